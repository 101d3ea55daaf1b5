package dev.vllava.eval;

import java.util.List;

/**
 * An item ready for the model: its prompt (placeholders in the order of {@code media}) and whatever the
 * {@link MediaPreparer} made of its media (for vllava: the pixel values of each medium).
 */
public record PreparedItem<M>(EvalItem item, String prompt, List<MediaRef> media, M prepared) {}
