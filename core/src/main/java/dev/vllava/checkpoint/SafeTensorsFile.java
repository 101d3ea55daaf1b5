package dev.vllava.checkpoint;

import dev.vllava.VllavaException;
import java.io.IOException;
import java.lang.foreign.Arena;
import java.lang.foreign.MemorySegment;
import java.lang.foreign.ValueLayout;
import java.nio.ByteBuffer;
import java.nio.ByteOrder;
import java.nio.channels.FileChannel;
import java.nio.file.NoSuchFileException;
import java.nio.file.Path;
import java.nio.file.StandardOpenOption;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.Collection;
import java.util.Collections;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Optional;

/**
 * One {@code .safetensors} file: an 8-byte little-endian header length, a JSON header, then the
 * tensor bytes. Opening reads only the header through a {@link FileChannel}; the whole file is
 * memory-mapped (FFM, so no 2 GB limit and no copy) and every entry's {@code data} is a slice of
 * that mapping, so the tensor bytes are read from disk only when a consumer touches them. Every
 * offset is checked against the file before it is sliced: a corrupt file gives a one-line
 * {@link VllavaException}, never an out-of-bounds read.
 */
public final class SafeTensorsFile implements AutoCloseable {

    /** A raw tensor of any safetensors dtype (also U8, I64, ... as in the golden files). */
    public record Entry(String name, String dtype, long[] shape, MemorySegment data) {
        public long elementCount() {
            long count = 1;
            for (long dim : shape) {
                count *= dim;
            }
            return count;
        }

        /** The dtype vllava computes with, or empty for U8, I64, F64, ... */
        public Optional<DType> computeType() {
            return DType.fromSafetensors(dtype);
        }

        /** This entry as a model weight; only F32, F16 and BF16 qualify. */
        public TensorData toTensorData() {
            DType type = computeType().orElseThrow(() -> VllavaException.checkpoint(
                    "tensor %s has dtype %s; model weights must be F32, F16 or BF16", name, dtype));
            return new TensorData(name, type, shape.clone(), data);
        }

        @Override
        public String toString() {
            return name + " " + dtype + Arrays.toString(shape);
        }
    }

    private final Path path;
    private final Arena arena;
    private final Map<String, Entry> entries;
    private final Map<String, String> metadata;
    private final long fileSize;
    private final long headerBytesRead;

    private SafeTensorsFile(Path path, Arena arena, Map<String, Entry> entries, Map<String, String> metadata,
            long fileSize, long headerBytesRead) {
        this.path = path;
        this.arena = arena;
        this.entries = entries;
        this.metadata = metadata;
        this.fileSize = fileSize;
        this.headerBytesRead = headerBytesRead;
    }

    /** Opens and checks a file; any problem with it becomes one checkpoint error naming the file. */
    public static SafeTensorsFile open(Path path) {
        List<SafeTensorsHeader.Problem> found = new ArrayList<>();
        SafeTensorsFile file = open(path, found);
        List<String> problems = found.stream().map(SafeTensorsHeader.Problem::message).filter(m -> m != null).toList();
        if (!problems.isEmpty()) {
            file.close();
            int more = problems.size() - 1;
            throw VllavaException.checkpoint("%s%s", problems.getFirst(),
                    more == 0 ? "" : " (and " + more + " more problem" + (more == 1 ? "" : "s") + ")");
        }
        return file;
    }

    /**
     * Opens a file, adding each problem with one of its tensors to {@code problems} (those tensors
     * are left out; a problem with a null message marks a tensor left out for a problem already
     * reported under another tensor, as with overlaps) so that a caller can report the problems of many files at once. A file whose
     * header cannot be read at all still throws.
     */
    static SafeTensorsFile open(Path path, List<SafeTensorsHeader.Problem> problems) {
        try (FileChannel channel = FileChannel.open(path, StandardOpenOption.READ)) {
            long size = channel.size();
            SafeTensorsHeader header = SafeTensorsHeader.read(path, channel, size);
            Arena arena = Arena.ofShared();
            try {
                MemorySegment mapped = channel.map(FileChannel.MapMode.READ_ONLY, 0, size, arena);
                Map<String, Entry> entries = new LinkedHashMap<>();
                for (SafeTensorsHeader.Span span : header.spans(problems)) {
                    MemorySegment data = mapped.asSlice(header.dataStart() + span.begin(), span.end() - span.begin());
                    entries.put(span.name(), new Entry(span.name(), span.dtype(), span.shape(), data));
                }
                return new SafeTensorsFile(path, arena, Collections.unmodifiableMap(entries), header.metadata(), size,
                        header.bytesRead());
            } catch (RuntimeException | IOException e) {
                arena.close();
                throw e;
            }
        } catch (NoSuchFileException e) {
            throw VllavaException.checkpoint("%s: no such file", path);
        } catch (IOException e) {
            throw VllavaException.checkpoint("%s: unreadable: %s", path, e.getMessage());
        }
    }

    public Path path() {
        return path;
    }

    /** Entries in header order. */
    public Collection<Entry> entries() {
        return entries.values();
    }

    public boolean contains(String name) {
        return entries.containsKey(name);
    }

    public Entry entry(String name) {
        Entry entry = entries.get(name);
        if (entry == null) {
            throw VllavaException.checkpoint("%s: no tensor %s", path, name);
        }
        return entry;
    }

    /** The {@code __metadata__} string map (empty when absent). */
    public Map<String, String> metadata() {
        return metadata;
    }

    public long fileSize() {
        return fileSize;
    }

    /** Bytes opening read through the file channel: 8 + the header, never tensor data. */
    public long headerBytesRead() {
        return headerBytesRead;
    }

    public long[] shape(String name) {
        return entry(name).shape().clone();
    }

    /** A copy of the tensor as floats: F32 as is, F16/BF16/F64 converted. */
    public float[] floats(String name) {
        Entry entry = entry(name);
        MemorySegment data = entry.data();
        int count = arrayLength(entry);
        float[] out = new float[count];
        switch (entry.dtype()) {
            case "F32" -> MemorySegment.copy(data, ValueLayout.JAVA_FLOAT_UNALIGNED.withOrder(ByteOrder.LITTLE_ENDIAN), 0,
                    out, 0, count);
            case "F16" -> {
                for (int i = 0; i < count; i++) {
                    out[i] = Float.float16ToFloat(data.get(LE_SHORT, 2L * i));
                }
            }
            case "BF16" -> {
                for (int i = 0; i < count; i++) {
                    out[i] = Float.intBitsToFloat((data.get(LE_SHORT, 2L * i) & 0xffff) << 16);
                }
            }
            case "F64" -> {
                for (int i = 0; i < count; i++) {
                    out[i] = (float) data.get(LE_DOUBLE, 8L * i);
                }
            }
            default -> throw wrongType(entry, "F32, F16, BF16 or F64");
        }
        return out;
    }

    /** A copy of an I64 tensor (I32 widened). */
    public long[] longs(String name) {
        Entry entry = entry(name);
        int count = arrayLength(entry);
        long[] out = new long[count];
        switch (entry.dtype()) {
            case "I64" -> MemorySegment.copy(entry.data(), LE_LONG, 0, out, 0, count);
            case "I32" -> {
                for (int i = 0; i < count; i++) {
                    out[i] = entry.data().get(LE_INT, 4L * i);
                }
            }
            default -> throw wrongType(entry, "I64 or I32");
        }
        return out;
    }

    /** A copy of a one-byte tensor (U8, I8, BOOL). */
    public byte[] bytes(String name) {
        Entry entry = entry(name);
        if (!entry.dtype().equals("U8") && !entry.dtype().equals("I8") && !entry.dtype().equals("BOOL")) {
            throw wrongType(entry, "U8, I8 or BOOL");
        }
        return entry.data().toArray(ValueLayout.JAVA_BYTE);
    }

    /** Unmaps the file: every Entry and TensorData taken from it becomes unusable. */
    @Override
    public void close() {
        if (arena.scope().isAlive()) {
            arena.close();
        }
    }

    private static final ValueLayout.OfShort LE_SHORT = ValueLayout.JAVA_SHORT_UNALIGNED.withOrder(ByteOrder.LITTLE_ENDIAN);
    private static final ValueLayout.OfInt LE_INT = ValueLayout.JAVA_INT_UNALIGNED.withOrder(ByteOrder.LITTLE_ENDIAN);
    private static final ValueLayout.OfLong LE_LONG = ValueLayout.JAVA_LONG_UNALIGNED.withOrder(ByteOrder.LITTLE_ENDIAN);
    private static final ValueLayout.OfDouble LE_DOUBLE = ValueLayout.JAVA_DOUBLE_UNALIGNED.withOrder(ByteOrder.LITTLE_ENDIAN);

    private int arrayLength(Entry entry) {
        long count = entry.elementCount();
        if (count > Integer.MAX_VALUE - 8) {
            throw VllavaException.checkpoint("%s: tensor %s has %d elements, too many for one Java array", path,
                    entry.name(), count);
        }
        return (int) count;
    }

    private VllavaException wrongType(Entry entry, String expected) {
        return VllavaException.checkpoint("%s: tensor %s is %s, expected %s", path, entry.name(), entry.dtype(), expected);
    }

    static ByteBuffer littleEndian(int bytes) {
        return ByteBuffer.allocate(bytes).order(ByteOrder.LITTLE_ENDIAN);
    }
}
