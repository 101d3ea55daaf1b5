package dev.vllava.tokenizer;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.file.Path;

/** Paths of the shared test data ({@code ../testdata} from the module folder) and small JSON helpers. */
final class TestData {
    static final ObjectMapper JSON = new ObjectMapper();
    static final Path ROOT = Path.of("..", "testdata");
    static final Path REALVOCAB = ROOT.resolve("tokenizer");
    static final Path TINY_A = ROOT.resolve("tiny-a");
    static final Path SHAPES = ROOT.resolve("shapes");

    private TestData() {}

    static JsonNode read(Path file) {
        try {
            return JSON.readTree(file.toFile());
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
    }

    static int[] ints(JsonNode array) {
        int[] out = new int[array.size()];
        for (int i = 0; i < out.length; i++) {
            out[i] = array.get(i).intValue();
        }
        return out;
    }
}
