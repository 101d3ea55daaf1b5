package dev.vllava.engine;

import dev.vllava.VllavaException;

/** Element-wise activations by their transformers {@code hidden_act} names. */
public enum Activation {
    /** Exact GELU, {@code x·Φ(x)} with the erf (transformers {@code gelu}). */
    GELU("gelu"),
    /** GELU's tanh approximation ({@code gelu_pytorch_tanh}, {@code gelu_new}). */
    GELU_TANH("gelu_pytorch_tanh"),
    /** CLIP's {@code x·sigmoid(1.702x)}. */
    QUICK_GELU("quick_gelu"),
    /** {@code x·sigmoid(x)}. */
    SILU("silu");

    private final String configName;

    Activation(String configName) {
        this.configName = configName;
    }

    public static Activation fromConfig(String name) {
        if (name.equals("gelu_new")) {
            return GELU_TANH;
        }
        for (Activation activation : values()) {
            if (activation.configName.equals(name)) {
                return activation;
            }
        }
        throw VllavaException.checkpoint("unsupported activation '%s'", name);
    }
}
