package dev.vllava.model;

import java.io.IOException;
import java.io.InputStream;
import java.io.UncheckedIOException;
import java.nio.ByteBuffer;
import java.nio.ByteOrder;
import java.nio.charset.StandardCharsets;
import java.nio.file.AtomicMoveNotSupportedException;
import java.nio.file.DirectoryStream;
import java.nio.file.Files;
import java.nio.file.NoSuchFileException;
import java.nio.file.Path;
import java.nio.file.StandardCopyOption;
import java.nio.file.attribute.FileTime;
import java.security.MessageDigest;
import java.security.NoSuchAlgorithmException;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.Comparator;
import java.util.HexFormat;
import java.util.List;
import java.util.zip.CRC32C;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Projected visual features kept on disk across runs ({@code --cache-dir}, {@code VLLAVA_CACHE}), so a video
 * asked about again skips the vision tower and projector. An entry's key is a SHA-256 over the model's
 * fingerprint ({@link #fingerprint}), the medium's kind and frame count and its preprocessed pixel values:
 * the pixels already reflect the file's content, the frames sampled and every preprocessing setting, so
 * two runs share an entry exactly when the vision tower would see the same input.
 *
 * <p>An entry is one file {@code <key>.feat}: magic, key, rows, columns, the F32 values and a CRC32C of all
 * before it. A file that is short, foreign (another key, other columns) or fails its checksum is ignored
 * and rewritten, never trusted. The folder is bounded: after a store, the least recently used entries
 * (a hit refreshes the file's time) are deleted until the total fits {@code maxBytes}. Entries are written
 * to a temporary file and moved into place, so concurrent runs never read a half-written entry.
 */
public final class FeatureCache {
    /** Default bound: 4 GiB, about 120 videos' features at 7B (2,056 × 4,096 F32 values each). */
    public static final long DEFAULT_MAX_BYTES = 4L << 30;
    private static final Logger LOG = LoggerFactory.getLogger(FeatureCache.class);
    private static final byte[] MAGIC = "VLLAVAF1".getBytes(StandardCharsets.US_ASCII);
    private static final int KEY_BYTES = 32;
    private static final int HEADER_BYTES = MAGIC.length + KEY_BYTES + 2 * Integer.BYTES;
    private static final String SUFFIX = ".feat";

    private final Path dir;
    private final long maxBytes;
    private final byte[] modelFingerprint;

    /** Features of {@code rows × columns} values, as stored. */
    public record Entry(int rows, int columns, float[] values) {}

    public FeatureCache(Path dir, long maxBytes, byte[] modelFingerprint) {
        if (maxBytes <= 0) {
            throw new IllegalArgumentException("the cache bound must be positive, got " + maxBytes);
        }
        this.dir = dir;
        this.maxBytes = maxBytes;
        this.modelFingerprint = modelFingerprint.clone();
    }

    /**
     * What identifies a model's weights without reading them all: config.json, preprocessor_config.json and,
     * for each {@code *.safetensors} file, its name, size, header (the first MiB) and last MiB.
     */
    public static byte[] fingerprint(Path modelDir) {
        MessageDigest digest = sha256();
        try {
            for (String name : List.of("config.json", "preprocessor_config.json")) {
                Path file = modelDir.resolve(name);
                if (Files.isRegularFile(file)) {
                    digest.update(name.getBytes(StandardCharsets.UTF_8));
                    digest.update(Files.readAllBytes(file));
                }
            }
            List<Path> weights = new ArrayList<>();
            try (DirectoryStream<Path> files = Files.newDirectoryStream(modelDir, "*.safetensors")) {
                files.forEach(weights::add);
            }
            weights.sort(Comparator.comparing(Path::toString));
            for (Path file : weights) {
                long size = Files.size(file);
                digest.update((file.getFileName() + ":" + size).getBytes(StandardCharsets.UTF_8));
                try (var channel = Files.newByteChannel(file)) {
                    ByteBuffer part = ByteBuffer.allocate((int) Math.min(size, 1 << 20));
                    channel.read(part);
                    digest.update(part.flip());
                    channel.position(Math.max(0, size - (1 << 20)));
                    channel.read(part.clear());
                    digest.update(part.flip());
                }
            }
        } catch (IOException e) {
            throw new UncheckedIOException("cannot fingerprint the model in " + modelDir, e);
        }
        return digest.digest();
    }

    /** The key of {@code input}'s features for this model. */
    byte[] key(VisualInput input) {
        MessageDigest digest = sha256();
        digest.update(modelFingerprint);
        digest.update((input.kind() + ":" + input.frames()).getBytes(StandardCharsets.UTF_8));
        ByteBuffer pixels = ByteBuffer.allocate(input.pixels().length * Float.BYTES).order(ByteOrder.LITTLE_ENDIAN);
        pixels.asFloatBuffer().put(input.pixels());
        digest.update(pixels);
        return digest.digest();
    }

    /** The stored features for {@code key} with {@code columns} columns, or null (absent, foreign or corrupt). */
    Entry load(byte[] key, int columns) {
        Path file = fileOf(key);
        try (InputStream in = Files.newInputStream(file)) {
            Entry entry = parse(in.readNBytes((int) Math.min(Files.size(file), Integer.MAX_VALUE - 8)), key, columns);
            if (entry == null) {
                LOG.warn("ignoring the damaged or foreign feature cache entry {}", file);
            } else {
                Files.setLastModifiedTime(file, FileTime.fromMillis(System.currentTimeMillis()));
            }
            return entry;
        } catch (NoSuchFileException e) {
            return null;
        } catch (IOException e) {
            LOG.warn("cannot read the feature cache entry {}: {}", file, e.getMessage());
            return null;
        }
    }

    private static Entry parse(byte[] bytes, byte[] key, int columns) {
        if (bytes.length < HEADER_BYTES + Long.BYTES) {
            return null;
        }
        ByteBuffer buffer = ByteBuffer.wrap(bytes).order(ByteOrder.LITTLE_ENDIAN);
        byte[] magic = new byte[MAGIC.length];
        byte[] storedKey = new byte[KEY_BYTES];
        buffer.get(magic).get(storedKey);
        int rows = buffer.getInt();
        int storedColumns = buffer.getInt();
        if (!Arrays.equals(magic, MAGIC) || !Arrays.equals(storedKey, key) || storedColumns != columns || rows <= 0
                || (long) rows * columns * Float.BYTES != bytes.length - HEADER_BYTES - Long.BYTES) {
            return null;
        }
        CRC32C crc = new CRC32C();
        crc.update(bytes, 0, bytes.length - Long.BYTES);
        if (crc.getValue() != ByteBuffer.wrap(bytes, bytes.length - Long.BYTES, Long.BYTES).order(ByteOrder.LITTLE_ENDIAN).getLong()) {
            return null;
        }
        float[] values = new float[rows * columns];
        buffer.asFloatBuffer().get(values);
        return new Entry(rows, columns, values);
    }

    /** Stores features under {@code key}, then evicts the least recently used entries beyond the bound. A failure is logged, not thrown. */
    void store(byte[] key, int rows, int columns, float[] values) {
        ByteBuffer buffer = ByteBuffer.allocate(HEADER_BYTES + values.length * Float.BYTES + Long.BYTES).order(ByteOrder.LITTLE_ENDIAN);
        buffer.put(MAGIC).put(key).putInt(rows).putInt(columns);
        buffer.asFloatBuffer().put(values);
        buffer.position(buffer.position() + values.length * Float.BYTES);
        CRC32C crc = new CRC32C();
        crc.update(buffer.array(), 0, buffer.position());
        buffer.putLong(crc.getValue());
        try {
            Files.createDirectories(dir);
            Path temporary = Files.createTempFile(dir, "entry", ".tmp");
            try {
                Files.write(temporary, buffer.array());
                moveIntoPlace(temporary, fileOf(key));
            } finally {
                Files.deleteIfExists(temporary);
            }
            evict();
        } catch (IOException e) {
            LOG.warn("cannot store features in the cache {}: {}", dir, e.getMessage());
        }
    }

    private static void moveIntoPlace(Path temporary, Path target) throws IOException {
        try {
            Files.move(temporary, target, StandardCopyOption.ATOMIC_MOVE, StandardCopyOption.REPLACE_EXISTING);
        } catch (AtomicMoveNotSupportedException e) {
            Files.move(temporary, target, StandardCopyOption.REPLACE_EXISTING);
        }
    }

    /** Deletes the least recently used entries until the rest fit the bound. */
    private void evict() throws IOException {
        record Held(Path file, long bytes, FileTime used) {}
        List<Held> entries = new ArrayList<>();
        try (DirectoryStream<Path> files = Files.newDirectoryStream(dir, "*" + SUFFIX)) {
            for (Path file : files) {
                try {
                    entries.add(new Held(file, Files.size(file), Files.getLastModifiedTime(file)));
                } catch (NoSuchFileException gone) {
                    // another run evicted it meanwhile
                }
            }
        }
        long total = entries.stream().mapToLong(Held::bytes).sum();
        entries.sort(Comparator.comparing(Held::used));
        for (int i = 0; i < entries.size() && total > maxBytes; i++) {
            Files.deleteIfExists(entries.get(i).file());
            total -= entries.get(i).bytes();
        }
    }

    private Path fileOf(byte[] key) {
        return dir.resolve(HexFormat.of().formatHex(key) + SUFFIX);
    }

    private static MessageDigest sha256() {
        try {
            return MessageDigest.getInstance("SHA-256");
        } catch (NoSuchAlgorithmException e) {
            throw new IllegalStateException("SHA-256 is missing from this JVM", e);
        }
    }
}
