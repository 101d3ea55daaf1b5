package dev.vllava.serve;

import dev.vllava.VllavaException;
import dev.vllava.media.Frame;
import dev.vllava.media.ImageDecoder;
import dev.vllava.media.ImageProcessor;
import dev.vllava.media.VideoDecoder;
import dev.vllava.model.MediaKind;
import dev.vllava.model.VisualInput;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.net.URI;
import java.net.URISyntaxException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.security.MessageDigest;
import java.security.NoSuchAlgorithmException;
import java.util.Base64;
import java.util.HexFormat;
import java.util.List;
import java.util.Locale;

/**
 * Turns an {@code image_url} / {@code video_url} into pixel values, on the request's own thread (decoding
 * never holds up the engine). URLs are {@code data:} (base64) or {@code file://} paths inside the media
 * root; nothing is fetched from the network. Decoded media are kept in a small LRU keyed by the SHA-256 of
 * their bytes ({@link Medium#key}), so a question about the video just asked about skips FFmpeg.
 */
final class MediaFetcher {
    private final ImageProcessor processor;
    private final ServerSettings settings;
    private final Path realMediaRoot;
    private final Path scratch;
    private final LruCache<String, Medium> decoded;

    MediaFetcher(ImageProcessor processor, ServerSettings settings, Path scratch) {
        this.processor = processor;
        this.settings = settings;
        this.realMediaRoot = realPath(settings.mediaRoot());
        this.scratch = scratch;
        this.decoded = new LruCache<>(settings.mediaCacheEntries(), medium -> {});
    }

    Medium fetch(MediaUrl ref) {
        String url = ref.url();
        if (url.startsWith("data:")) {
            return fromBytes(ref.kind(), dataUrlBytes(url), null);
        }
        if (url.startsWith("file:")) {
            Path file = fileInsideRoot(url);
            return fromBytes(ref.kind(), readBounded(file), file);
        }
        throw ApiException.badRequest("messages", "media URLs must be data: (base64) or file:// URLs; the server fetches nothing from the network");
    }

    LruCache<String, Medium> cache() {
        return decoded;
    }

    /** A cached medium with the same bytes, or the bytes decoded (from {@code file} when given, else a scratch copy). */
    private Medium fromBytes(MediaKind kind, byte[] bytes, Path file) {
        String key = kind.name().toLowerCase(Locale.ROOT) + ":" + settings.frames() + ":" + sha256(bytes);
        Medium cached = decoded.get(key);
        if (cached != null) {
            return cached;
        }
        Medium medium = file != null ? decode(kind, file, key) : decodeScratchCopy(kind, bytes, key);
        decoded.put(key, medium);
        return medium;
    }

    private Medium decodeScratchCopy(MediaKind kind, byte[] bytes, String key) {
        Path copy = null;
        try {
            copy = Files.createTempFile(scratch, "media-", ".bin");
            Files.write(copy, bytes);
            return decode(kind, copy, key);
        } catch (IOException e) {
            throw new UncheckedIOException("cannot write a scratch copy of the media", e);
        } finally {
            if (copy != null) {
                try {
                    Files.deleteIfExists(copy);
                } catch (IOException ignored) {
                    // the scratch folder is removed at shutdown anyway
                }
            }
        }
    }

    /** Decodes and preprocesses as {@code ask} does (MediaLoader): sampled frames, resize and crop, normalise. */
    private Medium decode(MediaKind kind, Path file, String key) {
        try {
            List<Frame> frames = kind == MediaKind.IMAGE ? List.of(ImageDecoder.decode(file)) : sampleVideo(file);
            Frame[] seen = frames.stream().map(processor::resizeAndCrop).toArray(Frame[]::new);
            float[] pixels = processor.pixelValues(seen).values();
            VisualInput input = kind == MediaKind.IMAGE ? VisualInput.image(pixels) : VisualInput.video(pixels, seen.length);
            return new Medium(key, input, List.of(seen));
        } catch (VllavaException e) {
            // the decoders name the file; a scratch copy's name means nothing to the client
            throw ApiException.undecodableMedia("cannot decode the " + kind.name().toLowerCase(Locale.ROOT) + ": "
                    + e.getMessage().replace(file.toString() + ": ", ""));
        }
    }

    private List<Frame> sampleVideo(Path file) {
        double seconds = VideoProbe.durationSeconds(file);
        if (seconds > settings.maxVideoSeconds()) {
            throw ApiException.tooLarge("the video lasts %.1f s; this server takes at most %.0f s", seconds, settings.maxVideoSeconds());
        }
        return VideoDecoder.sample(file, settings.frames()).frames();
    }

    /** {@code data:[<mime>];base64,<payload>}: only base64 payloads (media are binary). */
    private byte[] dataUrlBytes(String url) {
        int comma = url.indexOf(',');
        if (comma < 0 || !url.substring(0, comma).endsWith(";base64")) {
            throw ApiException.badRequest("messages", "a data: URL must be base64: data:<type>;base64,<data>");
        }
        long decodedLength = (url.length() - comma - 1) * 3L / 4;
        if (decodedLength > settings.maxMediaBytes() + 2) {
            throw ApiException.tooLarge("a medium is about %d bytes; this server takes at most %d", decodedLength, settings.maxMediaBytes());
        }
        try {
            return Base64.getMimeDecoder().decode(url.substring(comma + 1));
        } catch (IllegalArgumentException e) {
            throw ApiException.badRequest("messages", "the data: URL is not valid base64: %s", e.getMessage());
        }
    }

    /** The file a {@code file://} URL names, after refusing anything outside the media root (symbolic links resolved). */
    private Path fileInsideRoot(String url) {
        if (realMediaRoot == null) {
            throw ApiException.forbidden("file:// URLs are refused: the server was started without --media-root");
        }
        Path path;
        try {
            path = Path.of(new URI(url)).normalize();
        } catch (URISyntaxException | IllegalArgumentException e) {
            throw ApiException.badRequest("messages", "not a valid file URL: %s", url);
        }
        if (!path.startsWith(realMediaRoot) && !path.startsWith(settings.mediaRoot().toAbsolutePath().normalize())) {
            throw ApiException.forbidden("%s is outside the media root", path);
        }
        if (!Files.isRegularFile(path)) {
            throw ApiException.badRequest("messages", "no such file: %s", path);
        }
        Path real = realPath(path);
        if (!real.startsWith(realMediaRoot)) {
            throw ApiException.forbidden("%s leads outside the media root", path);
        }
        return real;
    }

    private byte[] readBounded(Path file) {
        try {
            long size = Files.size(file);
            if (size > settings.maxMediaBytes()) {
                throw ApiException.tooLarge("%s is %d bytes; this server takes media of at most %d", file.getFileName(), size, settings.maxMediaBytes());
            }
            return Files.readAllBytes(file);
        } catch (IOException e) {
            throw ApiException.badRequest("messages", "cannot read %s: %s", file, e.getMessage());
        }
    }

    private static Path realPath(Path path) {
        if (path == null) {
            return null;
        }
        try {
            return path.toRealPath();
        } catch (IOException e) {
            throw new UncheckedIOException("cannot resolve " + path, e);
        }
    }

    private static String sha256(byte[] bytes) {
        try {
            return HexFormat.of().formatHex(MessageDigest.getInstance("SHA-256").digest(bytes));
        } catch (NoSuchAlgorithmException e) {
            throw new IllegalStateException("every JDK has SHA-256", e);
        }
    }
}
