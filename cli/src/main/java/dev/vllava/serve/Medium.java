package dev.vllava.serve;

import dev.vllava.media.Frame;
import dev.vllava.model.VisualInput;
import java.util.List;

/**
 * A decoded image or video, ready for the vision tower.
 *
 * @param key   the content hash (SHA-256 of the bytes), kind and frame count: equal keys mean equal pixels,
 *              so the decoded frames of an earlier request may be reused
 * @param input the pixel values the model reads
 * @param seen  the frames after resize and crop, what the page shows
 */
record Medium(String key, VisualInput input, List<Frame> seen) {}
