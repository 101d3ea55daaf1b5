package dev.vllava.checkpoint;

import com.fasterxml.jackson.core.JsonParser;
import com.fasterxml.jackson.core.JsonProcessingException;
import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import dev.vllava.VllavaException;
import java.io.IOException;
import java.nio.ByteBuffer;
import java.nio.channels.FileChannel;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.Collections;
import java.util.Comparator;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;

/**
 * The parsed and checked JSON header of a safetensors file. Each tensor's {@code data_offsets}
 * are relative to the end of the header; a span is kept only when its offsets are inside the file,
 * ordered, match {@code shape × dtype size} and overlap no other span.
 */
final class SafeTensorsHeader {

    /** The safetensors format itself refuses headers over 100 MB; anything larger is corruption. */
    static final long MAX_HEADER_BYTES = 100L << 20;

    private static final ObjectMapper JSON = new ObjectMapper().enable(JsonParser.Feature.STRICT_DUPLICATE_DETECTION);

    private static final Map<String, Integer> DTYPE_BYTES = Map.ofEntries(
            Map.entry("F64", 8), Map.entry("F32", 4), Map.entry("F16", 2), Map.entry("BF16", 2),
            Map.entry("F8_E4M3", 1), Map.entry("F8_E5M2", 1),
            Map.entry("I64", 8), Map.entry("I32", 4), Map.entry("I16", 2), Map.entry("I8", 1),
            Map.entry("U64", 8), Map.entry("U32", 4), Map.entry("U16", 2), Map.entry("U8", 1),
            Map.entry("BOOL", 1));

    /** Bytes per element of a safetensors dtype name, or -1 for a name this reader does not know. */
    static int elementBytes(String dtype) {
        return DTYPE_BYTES.getOrDefault(dtype, -1);
    }

    record Span(String name, String dtype, long[] shape, long begin, long end) {}

    /** What is wrong with one tensor's header entry; {@code message} names the file and the tensor. */
    record Problem(String tensor, String message) {}

    private final Path path;
    private final JsonNode root;
    private final long dataStart;
    private final long dataSize;

    private SafeTensorsHeader(Path path, JsonNode root, long dataStart, long dataSize) {
        this.path = path;
        this.root = root;
        this.dataStart = dataStart;
        this.dataSize = dataSize;
    }

    /** Reads exactly 8 + N bytes from the channel; the tensor data is not read. */
    static SafeTensorsHeader read(Path path, FileChannel channel, long fileSize) throws IOException {
        if (fileSize < 8) {
            throw VllavaException.checkpoint("%s: truncated: %d bytes, shorter than the 8-byte header length", path, fileSize);
        }
        ByteBuffer lengthBytes = SafeTensorsFile.littleEndian(8);
        readFully(channel, lengthBytes, 0);
        long headerLength = lengthBytes.flip().getLong();
        if (headerLength < 2 || headerLength > MAX_HEADER_BYTES) {
            throw VllavaException.checkpoint("%s: corrupt: header length %s is not a plausible safetensors header size",
                    path, Long.toUnsignedString(headerLength));
        }
        if (headerLength > fileSize - 8) {
            throw VllavaException.checkpoint("%s: truncated: header of %d bytes runs past the end of the %d-byte file",
                    path, headerLength, fileSize);
        }
        ByteBuffer headerBytes = ByteBuffer.allocate((int) headerLength);
        readFully(channel, headerBytes, 8);
        JsonNode root;
        try {
            root = JSON.readTree(new String(headerBytes.array(), StandardCharsets.UTF_8));
        } catch (JsonProcessingException e) {
            throw VllavaException.checkpoint("%s: corrupt: header is not valid JSON (%s)", path,
                    e.getOriginalMessage().lines().findFirst().orElse("parse error"));
        }
        if (root == null || !root.isObject()) {
            throw VllavaException.checkpoint("%s: corrupt: header is not a JSON object", path);
        }
        return new SafeTensorsHeader(path, root, 8 + headerLength, fileSize - 8 - headerLength);
    }

    long dataStart() {
        return dataStart;
    }

    long bytesRead() {
        return dataStart;
    }

    Map<String, String> metadata() {
        JsonNode node = root.get("__metadata__");
        if (node == null || !node.isObject()) {
            return Map.of();
        }
        Map<String, String> metadata = new LinkedHashMap<>();
        node.properties().forEach(e -> metadata.put(e.getKey(), e.getValue().isTextual() ? e.getValue().textValue()
                : e.getValue().toString()));
        return Collections.unmodifiableMap(metadata);
    }

    /** The well-formed, non-overlapping tensor spans; each problem found is added to {@code problems}. */
    List<Span> spans(List<Problem> problems) {
        List<Span> spans = new ArrayList<>();
        List<String> pastTheEnd = new ArrayList<>();
        long neededBytes = 0;
        for (Map.Entry<String, JsonNode> field : root.properties()) {
            if (field.getKey().equals("__metadata__")) {
                continue;
            }
            String problem = checkEntry(field.getKey(), field.getValue(), spans, pastTheEnd);
            if (!pastTheEnd.isEmpty() && pastTheEnd.getLast().equals(field.getKey())) {
                neededBytes = Math.max(neededBytes, field.getValue().get("data_offsets").get(1).longValue());
            }
            if (problem != null) {
                problems.add(new Problem(field.getKey(), path + ": tensor " + field.getKey() + ": " + problem));
            }
        }
        if (!pastTheEnd.isEmpty()) {
            // A cut download leaves many tensors past the end: one sentence says so, naming the first.
            String first = pastTheEnd.getFirst();
            problems.add(new Problem(first, path + ": truncated: " + (pastTheEnd.size() == 1 ? "tensor " + first + " ends"
                    : pastTheEnd.size() + " tensors (" + first + ", ...) end") + " past the " + dataSize
                    + " bytes of data (the header needs " + neededBytes + ")"));
            pastTheEnd.subList(1, pastTheEnd.size()).forEach(name -> problems.add(new Problem(name, null)));
        }
        return withoutOverlaps(spans, problems);
    }

    /**
     * Adds the span to {@code spans} and returns null, or returns what is wrong with it. Data past
     * the end of the file is not returned but added to {@code pastTheEnd}: it is reported once per file.
     */
    private String checkEntry(String name, JsonNode node, List<Span> spans, List<String> pastTheEnd) {
        if (!node.isObject()) {
            return "header entry is not an object";
        }
        JsonNode dtypeNode = node.get("dtype");
        if (dtypeNode == null || !dtypeNode.isTextual()) {
            return "no dtype";
        }
        String dtype = dtypeNode.textValue();
        Integer elementBytes = DTYPE_BYTES.get(dtype);
        if (elementBytes == null) {
            return "unknown dtype " + dtype;
        }
        long[] shape = longs(node.get("shape"), -1);
        if (shape == null) {
            return "shape is not a list of non-negative integers";
        }
        long[] offsets = longs(node.get("data_offsets"), 2);
        if (offsets == null) {
            return "data_offsets is not a pair of non-negative integers";
        }
        long begin = offsets[0];
        long end = offsets[1];
        if (begin > end) {
            return "data_offsets [" + begin + ", " + end + "] are reversed";
        }
        if (end > dataSize) {
            pastTheEnd.add(name);
            return null;
        }
        long expectedBytes;
        try {
            expectedBytes = elementBytes;
            for (long dim : shape) {
                expectedBytes = Math.multiplyExact(expectedBytes, dim);
            }
        } catch (ArithmeticException e) {
            return "shape " + Arrays.toString(shape) + " is absurdly large";
        }
        if (end - begin != expectedBytes) {
            return "data_offsets [" + begin + ", " + end + "] hold " + (end - begin) + " bytes but " + dtype
                    + Arrays.toString(shape) + " needs " + expectedBytes;
        }
        spans.add(new Span(name, dtype, shape, begin, end));
        return null;
    }

    private List<Span> withoutOverlaps(List<Span> spans, List<Problem> problems) {
        List<Span> byOffset = new ArrayList<>(spans);
        byOffset.sort(Comparator.comparingLong(Span::begin).thenComparingLong(Span::end));
        List<Span> overlapping = new ArrayList<>();
        Span furthest = null;
        for (Span span : byOffset) {
            if (span.begin() == span.end()) {
                continue; // empty tensors own no bytes
            }
            if (furthest != null && span.begin() < furthest.end()) {
                problems.add(new Problem(span.name(), path + ": tensors " + furthest.name() + " and " + span.name()
                        + " overlap (data_offsets [" + furthest.begin() + ", " + furthest.end() + "] and [" + span.begin()
                        + ", " + span.end() + "])"));
                problems.add(new Problem(furthest.name(), null));
                overlapping.add(span);
                overlapping.add(furthest);
            }
            if (furthest == null || span.end() > furthest.end()) {
                furthest = span;
            }
        }
        List<Span> kept = new ArrayList<>(spans);
        kept.removeAll(overlapping);
        return kept;
    }

    /** The node as non-negative longs (of the given count, or any when -1), or null. */
    private static long[] longs(JsonNode node, int count) {
        if (node == null || !node.isArray() || (count >= 0 && node.size() != count)) {
            return null;
        }
        long[] values = new long[node.size()];
        for (int i = 0; i < values.length; i++) {
            JsonNode value = node.get(i);
            if (!value.isIntegralNumber() || !value.canConvertToLong() || value.longValue() < 0) {
                return null;
            }
            values[i] = value.longValue();
        }
        return values;
    }

    private static void readFully(FileChannel channel, ByteBuffer buffer, long position) throws IOException {
        long at = position;
        while (buffer.hasRemaining()) {
            int read = channel.read(buffer, at);
            if (read < 0) {
                throw new IOException("unexpected end of file at byte " + at);
            }
            at += read;
        }
    }
}
