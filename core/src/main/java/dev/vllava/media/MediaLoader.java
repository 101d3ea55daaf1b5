package dev.vllava.media;

import java.nio.file.Path;
import java.util.List;

/**
 * From a media file to the pixel values the vision towers take: decode ({@link VideoDecoder},
 * {@link ImageDecoder}), sample, preprocess ({@link ImageProcessor}). Immutable and thread-safe, so batch
 * evaluation can decode ahead on other threads.
 */
public final class MediaLoader {
    public static final int DEFAULT_FRAMES = 8;

    private final ImageProcessor processor;

    public MediaLoader(PreprocessorConfig config) {
        this.processor = new ImageProcessor(config);
    }

    /** A loader using {@code modelDir/preprocessor_config.json}. */
    public static MediaLoader forModel(Path modelDir) {
        return new MediaLoader(PreprocessorConfig.load(modelDir));
    }

    public ImageProcessor processor() {
        return processor;
    }

    /** {@code frames} frames of a video, {@code [frames, 3, S, S]}. */
    public PixelValues loadVideo(Path file, int frames) {
        return processor.preprocess(VideoDecoder.sample(file, frames).frames());
    }

    /** An image, {@code [1, 3, S, S]}. */
    public PixelValues loadImage(Path file) {
        return processor.preprocess(List.of(ImageDecoder.decode(file)));
    }

    /** An image when the file name says so (png, jpg, jpeg, webp, bmp, gif, tif), else a video. */
    public PixelValues load(Path file, int frames) {
        return isImage(file) ? loadImage(file) : loadVideo(file, frames);
    }

    /** Whether {@link #load} treats the file as a still image. */
    public static boolean isImage(Path file) {
        return MediaFiles.looksLikeImage(file);
    }
}
