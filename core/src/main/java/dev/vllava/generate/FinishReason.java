package dev.vllava.generate;

/** Why generation ended: an end-of-sequence token ({@code STOP}) or the token limit ({@code LENGTH}). */
public enum FinishReason {
    STOP,
    LENGTH;

    /** The name in {@code --json} output: "stop" or "length". */
    public String jsonName() {
        return name().toLowerCase(java.util.Locale.ROOT);
    }
}
