package dev.vllava.media;

import dev.vllava.VllavaException;

import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Locale;
import java.util.Set;

/**
 * Checks and conventions shared by the image and video paths. Free of FFmpeg on purpose: an image that
 * ImageIO reads must not load FFmpeg's native libraries (a quarter of a second at start-up).
 */
final class MediaFiles {
    /** Extensions read as still images (a GIF given as an image is its first frame). */
    static final Set<String> IMAGE_EXTENSIONS = Set.of("png", "jpg", "jpeg", "webp", "bmp", "gif", "tif", "tiff");

    private MediaFiles() {
    }

    static void checkReadable(Path file) {
        if (!Files.exists(file)) {
            throw VllavaException.media("%s: file not found", file);
        }
        if (!Files.isRegularFile(file)) {
            throw VllavaException.media("%s: not a regular file", file);
        }
        if (!Files.isReadable(file)) {
            throw VllavaException.media("%s: permission denied", file);
        }
    }

    static String extension(Path file) {
        String name = file.getFileName().toString();
        int dot = name.lastIndexOf('.');
        return dot < 0 ? "" : name.substring(dot + 1).toLowerCase(Locale.ROOT);
    }

    static boolean looksLikeImage(Path file) {
        return IMAGE_EXTENSIONS.contains(extension(file));
    }
}
