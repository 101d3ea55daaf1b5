package dev.vllava.media;

import dev.vllava.VllavaException;
import java.nio.file.Path;

/**
 * The largest picture vllava decodes, checked from the header before anything is allocated for it. Kept
 * apart from FFmpeg so that images decoded by ImageIO need no FFmpeg natives.
 */
final class PictureSize {
    static final int MAX_SIDE = 16384;
    static final long MAX_PIXELS = 64L * 1024 * 1024;

    private PictureSize() {}

    static void check(Path file, int width, int height) {
        if (width > MAX_SIDE || height > MAX_SIDE || (long) width * height > MAX_PIXELS) {
            throw VllavaException.media("%s: picture size %dx%d is too large (at most %d pixels a side, %d in all)",
                    file, width, height, MAX_SIDE, MAX_PIXELS);
        }
    }
}
