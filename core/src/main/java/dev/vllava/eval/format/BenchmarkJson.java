package dev.vllava.eval.format;

import com.fasterxml.jackson.databind.DeserializationFeature;
import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.cfg.JsonNodeFeature;
import com.fasterxml.jackson.databind.json.JsonMapper;
import dev.vllava.Failure;
import dev.vllava.VllavaException;
import dev.vllava.io.BoundedInput;
import java.io.IOException;
import java.nio.file.Path;

/** Reading the benchmarks' JSON files, with the number handling of vllava's own lines (1.50 stays 1.50). */
final class BenchmarkJson {
    static final ObjectMapper MAPPER = JsonMapper.builder()
            .enable(DeserializationFeature.USE_BIG_DECIMAL_FOR_FLOATS)
            .disable(JsonNodeFeature.STRIP_TRAILING_BIGDECIMAL_ZEROES)
            .build();

    private BenchmarkJson() {}

    /**
     * A benchmark's question or label file is read whole, so it has a limit (it may be /dev/zero): the
     * largest distributed files (MMBench's TSV with its base64 images) are a few hundred MB.
     */
    static final BoundedInput BENCHMARK_FILE = new BoundedInput(Failure.USAGE, "benchmark file", 1024 * BoundedInput.MIB);

    /** A whole JSON file; unreadable, too large or malformed is a usage error naming it. */
    static JsonNode read(Path file) {
        try {
            return MAPPER.readTree(BENCHMARK_FILE.readFile(file));
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
