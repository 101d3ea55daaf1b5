package dev.vllava.model;

/**
 * Preprocessed pixels of one image or one video, {@code [frames, 3, size, size]} row-major (an image
 * has one frame). Images fill {@code <image>} placeholders, videos {@code <video>} placeholders.
 */
public record VisualInput(Kind kind, float[] pixels, int frames) {

    public enum Kind {
        IMAGE,
        VIDEO
    }

    public static VisualInput image(float[] pixels) {
        return new VisualInput(Kind.IMAGE, pixels, 1);
    }

    public static VisualInput video(float[] pixels, int frames) {
        return new VisualInput(Kind.VIDEO, pixels, frames);
    }
}
