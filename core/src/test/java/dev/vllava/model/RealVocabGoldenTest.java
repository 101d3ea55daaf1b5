package dev.vllava.model;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assumptions.assumeTrue;

import com.fasterxml.jackson.databind.JsonNode;
import dev.vllava.engine.Engine;
import dev.vllava.engine.cpu.CpuEngine;
import dev.vllava.generate.SamplingOptions;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import org.junit.jupiter.api.Test;

/**
 * The realvocab reference case: the real 32064-entry LLaMA vocabulary (tokenizer.json), float16
 * weights. Its checkpoint (8.6 MB) is too large for testdata/, so this runs only where the reference
 * folder is present: {@code -Dvllava.golden.realvocab=DIR} or {@code VLLAVA_GOLDEN_REALVOCAB}; it
 * skips otherwise. Pixel values are tiny-a's (the reference stored them only there, byte-identical).
 */
class RealVocabGoldenTest {

    @Test
    void greedyIdsAndPrefillLogitsMatchReference() {
        String dir = System.getProperty("vllava.golden.realvocab", System.getenv("VLLAVA_GOLDEN_REALVOCAB"));
        assumeTrue(dir != null && Files.isDirectory(Path.of(dir, "model")),
                "realvocab reference not present (set -Dvllava.golden.realvocab=/path/to/golden/realvocab)");
        try (GoldenData golden = GoldenData.at(Path.of(dir)); GoldenData tinyA = GoldenData.tinyA();
                Engine engine = new CpuEngine(2); LoadedVideoLlava pipeline = LoadedVideoLlava.load(golden.modelDir(), engine)) {
            for (String id : golden.promptIds()) {
                JsonNode prompt = golden.prompt(id);
                String text = prompt.get("text").asText();
                assertArrayEquals(GoldenData.ints(prompt.get("unexpanded_input_ids")), pipeline.tokenizer().encode(text, true),
                        id + ": tokenized prompt");
                List<VisualInput> media = new ArrayList<>();
                if (prompt.hasNonNull("image")) {
                    media.add(VisualInput.image(tinyA.floats("images." + prompt.get("image").asText() + ".pixel_values_images")));
                }
                if (prompt.hasNonNull("video")) {
                    media.add(VisualInput.video(tinyA.floats("videos." + prompt.get("video").asText() + ".pixel_values_videos"), 8));
                }
                Answer answer = pipeline.answer(text, media, pipeline.options(16, SamplingOptions.GREEDY), t -> {});
                assertArrayEquals(GoldenData.ints(prompt.get("generated_ids")), answer.tokenIds(), id + ": 16 greedy ids");
                assertEquals(prompt.get("num_input_ids").intValue(), answer.promptTokens(), id + ": expanded length");
                assertEquals(prompt.get("generated_text").asText(), answer.text(), id + ": decoded answer");
            }
        }
    }
}
