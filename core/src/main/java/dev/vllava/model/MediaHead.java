package dev.vllava.model;

import java.util.Arrays;
import java.util.List;

/**
 * A prompt's ids up to the end of its last image or video, with those media: what several prompts must
 * share for one KV prefix to serve them all (the cache rows of a position depend only on the ids and
 * media before it).
 */
record MediaHead(int[] ids, List<VisualInput> media) {

    /** {@code prompt}'s head, or null when it has no media followed by text. */
    static MediaHead of(PreparedPrompt prompt) {
        PromptAssembler.AssembledPrompt assembled = prompt.assembled();
        int end = assembled.visualEnd();
        if (end == 0 || end >= assembled.length()) {
            return null;
        }
        return new MediaHead(Arrays.copyOf(assembled.inputIds(), end), prompt.media());
    }

    int length() {
        return ids.length;
    }

    /** The head alone, as a prompt to prefill. */
    PreparedPrompt prompt(PreparedPrompt whole) {
        return new PreparedPrompt(new PromptAssembler.AssembledPrompt(ids, whole.assembled().runs()), media);
    }

    /** Whether {@code prompt} starts with these ids and media (equal pixel values) and goes on after them. */
    boolean covers(PreparedPrompt prompt) {
        int[] other = prompt.assembled().inputIds();
        return other.length > ids.length && Arrays.equals(other, 0, ids.length, ids, 0, ids.length)
                && prompt.assembled().visualEnd() <= ids.length && sameMedia(prompt.media());
    }

    /** The same media in the same order: kind, frames and pixel values (the same array, or equal ones: a file loaded again). */
    private boolean sameMedia(List<VisualInput> others) {
        if (others.size() != media.size()) {
            return false;
        }
        for (int i = 0; i < media.size(); i++) {
            VisualInput mine = media.get(i);
            VisualInput other = others.get(i);
            if (mine.kind() != other.kind() || mine.frames() != other.frames()
                    || (mine.pixels() != other.pixels() && !Arrays.equals(mine.pixels(), other.pixels()))) {
                return false;
            }
        }
        return true;
    }
}
