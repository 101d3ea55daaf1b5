package dev.vllava.eval.format;

import com.fasterxml.jackson.databind.DeserializationFeature;
import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.cfg.JsonNodeFeature;
import com.fasterxml.jackson.databind.json.JsonMapper;
import dev.vllava.VllavaException;
import java.io.IOException;
import java.nio.file.NoSuchFileException;
import java.nio.file.Path;

/** Reading the benchmarks' JSON files, with the number handling of vllava's own lines (1.50 stays 1.50). */
final class BenchmarkJson {
    static final ObjectMapper MAPPER = JsonMapper.builder()
            .enable(DeserializationFeature.USE_BIG_DECIMAL_FOR_FLOATS)
            .disable(JsonNodeFeature.STRIP_TRAILING_BIGDECIMAL_ZEROES)
            .build();

    private BenchmarkJson() {}

    /** A whole JSON file; unreadable or malformed is a usage error naming it. */
    static JsonNode read(Path file) {
        try {
            return MAPPER.readTree(file.toFile());
        } catch (NoSuchFileException | java.io.FileNotFoundException e) {
            throw VllavaException.usage("%s: no such file", file);
        } catch (IOException e) {
            throw VllavaException.usage("%s: not valid JSON (%s)", file, e.getMessage().lines().findFirst().orElse(""));
        }
    }

    /** One line of a JSON Lines file, which must be an object. */
    static JsonNode line(Path file, int lineNumber, String text) {
        try {
            JsonNode node = MAPPER.readTree(text);
            if (node != null && node.isObject()) {
                return node;
            }
        } catch (IOException e) {
            // reported below
        }
        throw VllavaException.usage("%s:%d: not a JSON object", file, lineNumber);
    }
}
