package dev.vllava.cli;

import dev.vllava.checkpoint.quant.CompressedTensorsConfig;
import dev.vllava.checkpoint.quant.LoadQuantization;
import dev.vllava.checkpoint.quant.QuantScheme;
import dev.vllava.checkpoint.quant.QuantTargets;
import java.nio.file.Path;
import java.util.stream.Collectors;

/** {@code --weights q8|q4} on ask, chat, eval and bench: quantize the language model's linear layers at load. */
final class WeightsChoice {
    static final String DESCRIPTION = "Quantize the language model's linear layers while loading, in memory: q8 or q4"
            + " (symmetric, groups of 32; either backend). Default: the weights as stored (a quantized checkpoint is read as it is).";

    private WeightsChoice() {}

    /** The load-time quantization for an option value; null when the option was not given. */
    static LoadQuantization parse(String weights) {
        if (weights == null) {
            return null;
        }
        return new LoadQuantization(QuantScheme.parse(weights, QuantScheme.DEFAULT_GROUP), QuantTargets.LANGUAGE_LINEAR);
    }

    /**
     * How the weights depart from the stored float reference, for {@code --json} output ("q8, quantized at
     * load", "int4 g32, compressed-tensors checkpoint"); null when they do not.
     */
    static String label(String weights, Path modelDir) {
        if (weights != null) {
            return weights + ", quantized at load";
        }
        return CompressedTensorsConfig.read(modelDir)
                .map(config -> config.groups().stream()
                        .map(g -> "int" + g.bits() + (g.groupSize() == 0 ? " per row" : " g" + g.groupSize()))
                        .distinct().collect(Collectors.joining(" + ")) + ", compressed-tensors checkpoint")
                .orElse(null);
    }
}
