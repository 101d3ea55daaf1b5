package dev.vllava.model;

import dev.vllava.model.PromptAssembler.AssembledPrompt;
import java.util.List;

/**
 * A prompt read once, before any model work: tokenized (with BOS when it opens a dialogue), its
 * placeholders checked against the media and expanded to their visual tokens. Its {@link #length}
 * is what the context must hold for it; the same object is then fed to the model, so one question
 * is tokenized and assembled exactly once.
 *
 * @param media images and videos in the order their placeholders appear
 */
public record PreparedPrompt(AssembledPrompt assembled, List<VisualInput> media) {

    public PreparedPrompt {
        media = List.copyOf(media);
    }

    /** Tokens the model reads for it: BOS, text and every placeholder expanded. */
    public int length() {
        return assembled.length();
    }
}
