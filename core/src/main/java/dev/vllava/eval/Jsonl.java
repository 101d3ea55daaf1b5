package dev.vllava.eval;

import com.fasterxml.jackson.core.JsonProcessingException;
import com.fasterxml.jackson.databind.DeserializationFeature;
import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.json.JsonMapper;
import com.fasterxml.jackson.databind.cfg.JsonNodeFeature;
import com.fasterxml.jackson.databind.node.ObjectNode;
import dev.vllava.Failure;
import dev.vllava.VllavaException;
import dev.vllava.io.BoundedInput;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;

/** JSON Lines helpers shared by the questions reader, the prediction log, merge and scoring. */
final class Jsonl {
    /**
     * Fields the eval does not interpret are copied to the output verbatim: floats stay BigDecimal so that
     * {@code 1.50} is written back as {@code 1.50}, and key order is kept.
     */
    static final ObjectMapper MAPPER = JsonMapper.builder()
            .enable(DeserializationFeature.USE_BIG_DECIMAL_FOR_FLOATS)
            .disable(JsonNodeFeature.STRIP_TRAILING_BIGDECIMAL_ZEROES)
            .build();

    private Jsonl() {}

    /** 10^5 questions of 1 KB; a larger file is refused rather than read whole (it may be /dev/zero). */
    private static final BoundedInput QUESTIONS_FILE = new BoundedInput(Failure.USAGE, "questions file", 256 * BoundedInput.MIB);

    /** One non-blank line of a JSON Lines file with its 1-based line number. */
    record Line(int number, String text) {}

    /** The non-blank lines of a UTF-8 file; a missing file is a usage error naming it. */
    static List<Line> lines(Path file) {
        String content = QUESTIONS_FILE.readText(file);
        if (content.startsWith("\uFEFF")) {
            content = content.substring(1); // a byte-order mark some editors write
        }
        List<Line> lines = new ArrayList<>();
        String[] split = content.split("\n", -1);
        for (int i = 0; i < split.length; i++) {
            String text = split[i].endsWith("\r") ? split[i].substring(0, split[i].length() - 1) : split[i];
            if (!text.isBlank()) {
                lines.add(new Line(i + 1, text));
            }
        }
        return lines;
    }

    /** Parses a line that must be a JSON object; anything else is a usage error naming file and line. */
    static ObjectNode object(Path file, Line line) {
        JsonNode node = parseOrNull(line.text());
        if (node instanceof ObjectNode object) {
            return object;
        }
        throw VllavaException.usage("%s:%d: not a JSON object", file, line.number());
    }

    static JsonNode parseOrNull(String text) {
        try {
            return MAPPER.readTree(text);
        } catch (JsonProcessingException e) {
            return null;
        }
    }

    /** Compact one-line JSON (no newline inside: JSON strings escape them). */
    static String write(JsonNode node) {
        try {
            return MAPPER.writeValueAsString(node);
        } catch (JsonProcessingException e) {
            throw new UncheckedIOException(e);
        }
    }

    /** Pretty-printed JSON, for metrics reports. */
    static String writePretty(JsonNode node) {
        try {
            return MAPPER.writerWithDefaultPrettyPrinter().writeValueAsString(node);
        } catch (JsonProcessingException e) {
            throw new UncheckedIOException(e);
        }
    }
}
