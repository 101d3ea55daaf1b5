package dev.vllava.checkpoint.quant;

import dev.vllava.VllavaException;
import java.util.Set;
import java.util.regex.Pattern;

/**
 * Which weights are quantized: the language model's linear layers ({@code q/k/v/o}, {@code
 * gate/up/down}) always; the vision towers with the projector, and {@code lm_head}, only when asked
 * ({@code --include vision,lm_head}). Embeddings, norms, biases and the patch convolution never are.
 */
public record QuantTargets(boolean vision, boolean lmHead) {

    private static final Pattern LANGUAGE = Pattern.compile(
            "language_model\\.model\\.layers\\.\\d+\\.(self_attn\\.[qkvo]_proj|mlp\\.(gate|up|down)_proj)\\.weight");
    private static final Pattern VISION = Pattern.compile(
            "(image|video)_tower\\.vision_model\\.encoder\\.layers\\.\\d+\\.(self_attn\\.(q|k|v|out)_proj|mlp\\.fc[12])\\.weight"
                    + "|multi_modal_projector\\.linear_[12]\\.weight");
    private static final String LM_HEAD = "language_model.lm_head.weight";

    /** The default: the language model's linear layers only. */
    public static final QuantTargets LANGUAGE_LINEAR = new QuantTargets(false, false);

    /** From {@code --include}: a comma-separated subset of {@code vision} and {@code lm_head} (empty for none). */
    public static QuantTargets parse(String include) {
        boolean vision = false;
        boolean lmHead = false;
        if (include != null && !include.isBlank()) {
            for (String part : include.split(",")) {
                switch (part.trim()) {
                    case "vision" -> vision = true;
                    case "lm_head" -> lmHead = true;
                    default -> throw VllavaException.usage("--include takes vision and/or lm_head, got '%s'", part.trim());
                }
            }
        }
        return new QuantTargets(vision, lmHead);
    }

    public boolean quantizes(String tensorName) {
        return LANGUAGE.matcher(tensorName).matches()
                || (vision && VISION.matcher(tensorName).matches())
                || (lmHead && tensorName.equals(LM_HEAD));
    }

    /**
     * The module names a checkpoint quantized with these targets lists under {@code ignore}: the
     * Linear layers it leaves in their stored dtype (vLLM quantizes every other Linear).
     */
    public Set<String> ignoredModules() {
        java.util.LinkedHashSet<String> ignored = new java.util.LinkedHashSet<>();
        if (!lmHead) {
            ignored.add("language_model.lm_head");
        }
        if (!vision) {
            ignored.add("re:.*_tower\\..*");
            ignored.add("re:multi_modal_projector\\..*");
        }
        return ignored;
    }
}
