package dev.vllava.cli;

import dev.vllava.model.VisualTokenBudget;
import picocli.CommandLine.Option;

/**
 * {@code --visual-tokens}: fewer visual tokens per image / video frame, for speed (ask, chat, eval,
 * bench, and any command that mixes it in). Default: all of them, exactly the reference.
 */
final class VisualTokenOptions {

    @Option(names = "--visual-tokens", paramLabel = "N|P%",
            description = "Keep only the N (or P percent) patch tokens of each image / video frame with the highest [CLS] attention"
                    + " (FasterVLM): a faster prefill, less exact answers; see docs/visual-tokens.md. Default: all (the reference).")
    String visualTokens;

    /** The setting, or a usage error naming the option. */
    VisualTokenBudget budget() {
        return visualTokens == null ? VisualTokenBudget.ALL : VisualTokenBudget.parse(visualTokens, "--visual-tokens");
    }
}
