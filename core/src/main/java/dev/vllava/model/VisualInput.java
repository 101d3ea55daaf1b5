package dev.vllava.model;

/**
 * Preprocessed pixels of one image or one video, {@code [frames, 3, size, size]} row-major (an image
 * has one frame). Images fill {@code <image>} placeholders, videos {@code <video>} placeholders.
 */
public record VisualInput(MediaKind kind, float[] pixels, int frames) {

    public static VisualInput image(float[] pixels) {
        return new VisualInput(MediaKind.IMAGE, pixels, 1);
    }

    public static VisualInput video(float[] pixels, int frames) {
        return new VisualInput(MediaKind.VIDEO, pixels, frames);
    }
}
