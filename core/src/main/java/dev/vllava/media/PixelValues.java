package dev.vllava.media;

/**
 * What the vision tower sees: {@code frames} preprocessed frames, each 3 x {@code size} x {@code size}
 * float32 (channel-major, CLIP-normalised), laid out frame after frame in {@code values}.
 * {@code frameIndices[i]} is the index in the decoded frame sequence of frame {@code i} (0 for an image).
 */
public record PixelValues(float[] values, int frames, int size, int[] frameIndices) {
    public PixelValues {
        if (values.length != (long) frames * 3 * size * size) {
            throw new IllegalArgumentException("pixel values: " + values.length + " floats for " + frames
                    + " frames of 3x" + size + "x" + size);
        }
        if (frameIndices.length != frames) {
            throw new IllegalArgumentException("pixel values: " + frameIndices.length + " indices for "
                    + frames + " frames");
        }
    }

    /** Floats of one frame (3 * size * size). */
    public int frameLength() {
        return 3 * size * size;
    }
}
