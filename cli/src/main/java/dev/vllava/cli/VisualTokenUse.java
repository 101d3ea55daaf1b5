package dev.vllava.cli;

import com.fasterxml.jackson.databind.node.ObjectNode;
import dev.vllava.model.LoadedVideoLlava;
import dev.vllava.model.VisualInput;
import dev.vllava.model.VisualTokenBudget;
import java.util.List;

/**
 * The visual tokens of one prompt: the {@code --visual-tokens} setting, how many tokens the language
 * model read and how many the reference would have read ({@code --json}: {@code visual_tokens}).
 */
record VisualTokenUse(String setting, int kept, int reference) {

    static VisualTokenUse of(LoadedVideoLlava pipeline, List<VisualInput> media) {
        var model = pipeline.model();
        return new VisualTokenUse(model.visualTokens().toString(), model.visualTokens().visualTokens(model.config(), media),
                VisualTokenBudget.ALL.visualTokens(model.config(), media));
    }

    void writeTo(ObjectNode root) {
        ObjectNode node = root.putObject("visual_tokens");
        node.put("setting", setting);
        node.put("kept", kept);
        node.put("reference", reference);
    }

    /** "520 visual" (the reference's count) or "136 of 520 visual kept". */
    String describe() {
        return setting.equals("all") ? kept + " visual" : kept + " of " + reference + " visual kept";
    }
}
