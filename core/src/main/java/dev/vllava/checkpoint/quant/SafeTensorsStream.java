package dev.vllava.checkpoint.quant;

import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.node.ObjectNode;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.ByteBuffer;
import java.nio.ByteOrder;
import java.nio.channels.FileChannel;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.nio.file.StandardOpenOption;
import java.util.List;

/**
 * Writes a safetensors file whose tensors are produced one after another, never all in memory: the
 * header is laid out first from the declared names, dtypes and shapes, then each tensor's bytes are
 * appended in declaration order, and {@link #close} checks that every declared byte came.
 */
final class SafeTensorsStream implements AutoCloseable {

    /** A declared tensor: its bytes must be {@code byteSize} long. */
    record Declared(String name, String dtype, long[] shape, long byteSize) {}

    private static final ObjectMapper JSON = new ObjectMapper();
    private final FileChannel channel;
    private final long expectedEnd;

    SafeTensorsStream(Path file, List<Declared> tensors) {
        ObjectNode header = JSON.createObjectNode();
        header.putObject("__metadata__").put("format", "pt");
        long offset = 0;
        for (Declared t : tensors) {
            ObjectNode entry = header.putObject(t.name());
            entry.put("dtype", t.dtype());
            var shape = entry.putArray("shape");
            for (long dim : t.shape()) {
                shape.add(dim);
            }
            entry.putArray("data_offsets").add(offset).add(offset + t.byteSize());
            offset += t.byteSize();
        }
        byte[] json = header.toString().getBytes(StandardCharsets.UTF_8);
        int padded = (json.length + 7) / 8 * 8; // data starts 8-byte aligned, as safetensors writes it
        ByteBuffer head = ByteBuffer.allocate(8 + padded).order(ByteOrder.LITTLE_ENDIAN);
        head.putLong(padded).put(json);
        while (head.hasRemaining()) {
            head.put((byte) ' ');
        }
        head.flip();
        try {
            this.channel = FileChannel.open(file, StandardOpenOption.CREATE, StandardOpenOption.TRUNCATE_EXISTING,
                    StandardOpenOption.WRITE);
            write(head);
        } catch (IOException e) {
            throw new UncheckedIOException("cannot write " + file, e);
        }
        this.expectedEnd = 8 + padded + offset;
    }

    /** Appends bytes of the current tensor. */
    void write(ByteBuffer bytes) {
        try {
            while (bytes.hasRemaining()) {
                channel.write(bytes);
            }
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
    }

    @Override
    public void close() {
        try (channel) {
            if (channel.position() != expectedEnd) {
                throw new IllegalStateException("safetensors stream ended at " + channel.position() + ", expected " + expectedEnd);
            }
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
    }
}
