package dev.vllava.checkpoint;

import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.node.ObjectNode;
import java.io.IOException;
import java.io.RandomAccessFile;
import java.io.UncheckedIOException;
import java.nio.ByteBuffer;
import java.nio.channels.FileChannel;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.nio.file.StandardOpenOption;
import java.util.Arrays;
import java.util.List;
import java.util.Map;

/**
 * Writes standard safetensors files: for test fixtures and for synthetic checkpoints. A tensor
 * without bytes is left as a hole in a sparse file, so a 7B-sized checkpoint costs no disk space
 * and no time to write.
 */
public final class SafeTensorsWriter {

    /** A tensor to write; {@code data == null} leaves its bytes unwritten (a sparse hole). */
    public record Tensor(String name, String dtype, long[] shape, byte[] data) {
        public long byteSize() {
            int elementBytes = SafeTensorsHeader.elementBytes(dtype);
            if (elementBytes < 0) {
                throw new IllegalArgumentException("unknown safetensors dtype " + dtype);
            }
            long bytes = elementBytes;
            for (long dim : shape) {
                bytes = Math.multiplyExact(bytes, dim);
            }
            return bytes;
        }
    }

    private static final ObjectMapper JSON = new ObjectMapper();

    private SafeTensorsWriter() {}

    /** Writes the tensors in the given order, data laid out contiguously; returns the file size. */
    public static long write(Path file, Map<String, String> metadata, List<Tensor> tensors) {
        return write(file, metadata, tensors, 8);
    }

    /**
     * As {@link #write(Path, Map, List)}, with the header padded so that the data starts at a
     * multiple of {@code alignment} bytes in the file (8 as safetensors does; a page size keeps
     * every data page apart from the header page).
     */
    public static long write(Path file, Map<String, String> metadata, List<Tensor> tensors, int alignment) {
        ObjectNode header = JSON.createObjectNode();
        if (!metadata.isEmpty()) {
            ObjectNode meta = header.putObject("__metadata__");
            metadata.forEach(meta::put);
        }
        long offset = 0;
        for (Tensor tensor : tensors) {
            long size = tensor.byteSize();
            if (tensor.data() != null && tensor.data().length != size) {
                throw new IllegalArgumentException(tensor.name() + ": " + tensor.data().length + " bytes given, "
                        + tensor.dtype() + Arrays.toString(tensor.shape()) + " needs " + size);
            }
            ObjectNode entry = header.putObject(tensor.name());
            entry.put("dtype", tensor.dtype());
            entry.putArray("shape").addAll(Arrays.stream(tensor.shape()).mapToObj(JSON.getNodeFactory()::numberNode).toList());
            entry.putArray("data_offsets").add(offset).add(offset + size);
            offset += size;
        }
        byte[] headerBytes = paddedHeader(header.toString(), alignment);
        return writeRaw(file, headerBytes, tensors, offset);
    }

    /** The JSON padded with spaces so that 8 + its length is a multiple of the alignment. */
    private static byte[] paddedHeader(String json, int alignment) {
        byte[] raw = json.getBytes(StandardCharsets.UTF_8);
        int padded = (8 + raw.length + alignment - 1) / alignment * alignment - 8;
        byte[] out = Arrays.copyOf(raw, padded);
        Arrays.fill(out, raw.length, padded, (byte) ' ');
        return out;
    }

    private static long writeRaw(Path file, byte[] header, List<Tensor> tensors, long dataBytes) {
        try (FileChannel channel = FileChannel.open(file, StandardOpenOption.CREATE, StandardOpenOption.WRITE,
                StandardOpenOption.TRUNCATE_EXISTING)) {
            ByteBuffer length = SafeTensorsFile.littleEndian(8).putLong(header.length).flip();
            writeFully(channel, length, 0);
            writeFully(channel, ByteBuffer.wrap(header), 8);
            long dataStart = 8L + header.length;
            long offset = 0;
            for (Tensor tensor : tensors) {
                if (tensor.data() != null) {
                    writeFully(channel, ByteBuffer.wrap(tensor.data()), dataStart + offset);
                }
                offset += tensor.byteSize();
            }
        } catch (IOException e) {
            throw new UncheckedIOException("cannot write " + file + ": " + e.getMessage(), e);
        }
        long total = 8L + header.length + dataBytes;
        // ftruncate past the end: the unwritten tensors become a hole that takes no disk blocks.
        try (RandomAccessFile raw = new RandomAccessFile(file.toFile(), "rw")) {
            if (raw.length() < total) {
                raw.setLength(total);
            }
            return total;
        } catch (IOException e) {
            throw new UncheckedIOException("cannot write " + file + ": " + e.getMessage(), e);
        }
    }

    private static void writeFully(FileChannel channel, ByteBuffer buffer, long position) throws IOException {
        long at = position;
        while (buffer.hasRemaining()) {
            at += channel.write(buffer, at);
        }
    }
}
