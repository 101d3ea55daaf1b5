package dev.vllava.media;

/**
 * One RGB picture: {@code rgb} holds {@code height} rows of {@code width} pixels, 3 bytes each (R, G, B),
 * no padding. {@code index} is its position in the decoded frame sequence (0 for an image) and
 * {@code timeSeconds} its presentation time ({@code pts * time_base}, 0 for an image).
 */
public record Frame(byte[] rgb, int width, int height, int index, double timeSeconds) {
    public Frame {
        if (rgb.length != (long) width * height * 3) {
            throw new IllegalArgumentException("frame: " + rgb.length + " bytes for " + width + "x" + height + " RGB");
        }
    }

    /** Sample of channel {@code c} at ({@code x}, {@code y}), 0..255. */
    public int sample(int x, int y, int c) {
        return rgb[(y * width + x) * 3 + c] & 0xFF;
    }
}
