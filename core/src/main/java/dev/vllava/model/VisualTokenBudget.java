package dev.vllava.model;

import dev.vllava.VllavaException;
import dev.vllava.config.VideoLlavaConfig;
import java.math.BigDecimal;
import java.math.RoundingMode;
import java.util.List;

/**
 * How many patch tokens of each image and of each video frame reach the language model: all of them
 * (the reference, and the default), at most N, or P percent. Whatever is kept, a video frame also
 * keeps its [CLS] token (the reference feeds it to the model) and an image drops it as the reference
 * does under the "default" feature strategy. {@link VisualTokenSelection} decides which patches.
 *
 * <p>P percent of {@code n} patches keeps {@code round(P·n/100)} of them, halves rounded up, at least
 * one: FasterVLM's "576 × (1 − 0.9) = 58" (README) is this rounding. The product is computed exactly in
 * decimal, so "10%" of 256 is 25.6 → 26, never 25.599….
 */
public final class VisualTokenBudget {
    /** Every token, exactly the reference. */
    public static final VisualTokenBudget ALL = new VisualTokenBudget(null, BigDecimal.valueOf(100), "all");

    private static final BigDecimal HUNDRED = BigDecimal.valueOf(100);

    /** A fixed count per image / frame, or null when {@link #percent} applies. */
    private final Integer count;
    private final BigDecimal percent;
    private final String text;

    private VisualTokenBudget(Integer count, BigDecimal percent, String text) {
        this.count = count;
        this.percent = percent;
        this.text = text;
    }

    /**
     * {@code "N"} (N ≥ 1 patch tokens per image / frame; more than a frame has keeps them all) or
     * {@code "P%"} (0 &lt; P ≤ 100, decimals allowed); anything else is a usage error.
     */
    public static VisualTokenBudget parse(String text) {
        return parse(text, "visual tokens");
    }

    /** As {@link #parse(String)}, naming the setting {@code what} (an option or a request field) in the error. */
    public static VisualTokenBudget parse(String text, String what) {
        String value = text == null ? "" : text.strip();
        try {
            if (value.endsWith("%")) {
                BigDecimal percent = new BigDecimal(value.substring(0, value.length() - 1).strip());
                if (percent.signum() > 0 && percent.compareTo(HUNDRED) <= 0) {
                    return new VisualTokenBudget(null, percent, percent.stripTrailingZeros().toPlainString() + "%");
                }
            } else {
                int count = Integer.parseInt(value);
                if (count >= 1) {
                    return new VisualTokenBudget(count, null, Integer.toString(count));
                }
            }
        } catch (NumberFormatException e) {
            // reported below, with the accepted forms
        }
        throw VllavaException.usage("%s must be a count N >= 1 or a percentage P%% with 0 < P <= 100, got '%s'", what, text);
    }

    /** Patch tokens kept of a frame's {@code patches}: between 1 and {@code patches}. */
    public int patchesKept(int patches) {
        if (count != null) {
            return Math.min(count, patches);
        }
        int kept = percent.multiply(BigDecimal.valueOf(patches)).divide(HUNDRED).setScale(0, RoundingMode.HALF_UP).intValueExact();
        return Math.clamp(kept, Math.min(1, patches), patches);
    }

    /** Whether this budget keeps every patch of a frame with {@code patches} patches (then nothing is ranked or dropped). */
    public boolean keepsAll(int patches) {
        return patchesKept(patches) == patches;
    }

    /** Tokens one {@code <image>} expands to: the reference's count less the patches dropped. */
    public int imageTokens(VideoLlavaConfig config) {
        return config.tokensPerImage() - droppedPatches(config);
    }

    /** Tokens of one video frame: the reference's count ([CLS] included) less the patches dropped. */
    public int frameTokens(VideoLlavaConfig config) {
        return config.tokensPerFrame() - droppedPatches(config);
    }

    /** Visual tokens the language model reads for {@code media}. */
    public int visualTokens(VideoLlavaConfig config, List<VisualInput> media) {
        int total = 0;
        for (VisualInput input : media) {
            total += input.frames() * (input.kind() == MediaKind.IMAGE ? imageTokens(config) : frameTokens(config));
        }
        return total;
    }

    private int droppedPatches(VideoLlavaConfig config) {
        int patches = patchesPerFrame(config);
        return patches - patchesKept(patches);
    }

    /** Patch tokens of one image or frame: the tower's tokens less its [CLS] token. */
    static int patchesPerFrame(VideoLlavaConfig config) {
        return config.vision().tokensPerImage() - 1;
    }

    /** "all", "64" or "25%": how the setting was given, for logs and {@code --json}. */
    @Override
    public String toString() {
        return text;
    }
}
