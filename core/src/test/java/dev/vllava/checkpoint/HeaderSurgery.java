package dev.vllava.checkpoint;

import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.node.ObjectNode;
import java.io.IOException;
import java.io.RandomAccessFile;
import java.nio.ByteBuffer;
import java.nio.ByteOrder;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.util.function.Consumer;

/** Test helper: damages a safetensors file the way a bad export or a cut download would. */
final class HeaderSurgery {
    private static final ObjectMapper JSON = new ObjectMapper();

    private HeaderSurgery() {}

    /** Lets {@code edit} change the JSON header; the data keeps its size and now starts after the new header. */
    static void editHeader(Path file, Consumer<ObjectNode> edit) throws IOException {
        try (RandomAccessFile raw = new RandomAccessFile(file.toFile(), "rw")) {
            long headerLength = Long.reverseBytes(raw.readLong());
            byte[] header = new byte[(int) headerLength];
            raw.readFully(header);
            long dataSize = raw.length() - 8 - headerLength;
            ObjectNode json = (ObjectNode) JSON.readTree(header);
            edit.accept(json);
            writeHeader(raw, json.toString().getBytes(StandardCharsets.UTF_8), dataSize);
        }
    }

    /** Writes raw header bytes (any content, valid JSON or not) followed by {@code dataSize} zero bytes. */
    static void writeRaw(Path file, byte[] header, long dataSize) throws IOException {
        try (RandomAccessFile raw = new RandomAccessFile(file.toFile(), "rw")) {
            raw.setLength(0);
            writeHeader(raw, header, dataSize);
        }
    }

    static void writeRaw(Path file, String header, long dataSize) throws IOException {
        writeRaw(file, header.getBytes(StandardCharsets.UTF_8), dataSize);
    }

    /** Cuts the file to {@code length} bytes, as an interrupted download leaves it. */
    static void truncate(Path file, long length) throws IOException {
        try (RandomAccessFile raw = new RandomAccessFile(file.toFile(), "rw")) {
            raw.setLength(length);
        }
    }

    private static void writeHeader(RandomAccessFile raw, byte[] header, long dataSize) throws IOException {
        raw.seek(0);
        raw.write(ByteBuffer.allocate(8).order(ByteOrder.LITTLE_ENDIAN).putLong(header.length).array());
        raw.write(header);
        raw.setLength(8 + header.length + dataSize);
    }
}
