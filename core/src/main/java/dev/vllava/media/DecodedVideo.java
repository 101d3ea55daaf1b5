package dev.vllava.media;

import java.nio.file.Path;
import java.util.List;

/**
 * The frames of a video the model sees.
 *
 * @param totalFrames   number of frames in the decoded sequence
 * @param frames        the sampled frames, upright, in order ({@code frames.get(i).index()} is the
 *                      sampled index i; repeated indices give the same picture twice)
 * @param rotationDegrees clockwise rotation applied to make the frames upright (0, 90, 180, 270)
 * @param decodedAll    true when every frame was decoded (no usable index, or the index disagreed with
 *                      what decodes), false when the decoder seeked to the sampled frames
 */
public record DecodedVideo(Path file, int totalFrames, List<Frame> frames, int rotationDegrees, boolean decodedAll) {
    public int[] frameIndices() {
        return frames.stream().mapToInt(Frame::index).toArray();
    }
}
