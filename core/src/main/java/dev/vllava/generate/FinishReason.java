package dev.vllava.generate;

/**
 * Why generation ended: an end-of-sequence token ({@code STOP}), the token limit ({@code LENGTH}), or the
 * listener asked to stop ({@code CANCELLED}, see {@link TokenListener#stopRequested}).
 */
public enum FinishReason {
    STOP,
    LENGTH,
    CANCELLED;

    /** The name in {@code --json} output: "stop", "length" or "cancelled". */
    public String jsonName() {
        return name().toLowerCase(java.util.Locale.ROOT);
    }
}
