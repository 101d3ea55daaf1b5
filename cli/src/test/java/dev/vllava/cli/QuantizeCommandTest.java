package dev.vllava.cli;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.node.ObjectNode;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** {@code vllava quantize}, and what info, ask and --weights make of its output, run in this JVM through Main. */
class QuantizeCommandTest {
    static final String TINY_A = "../testdata/tiny-a/model";

    @TempDir
    Path dir;

    @Test
    void quantizedCheckpointIsValidatedAndInfoShowsItsFormatAndBitsPerWeight() throws IOException {
        Path out = dir.resolve("q4");
        CapturedRun run = vllava("quantize", "--model", TINY_A, "--out", out.toString(), "--weights", "q4");
        assertEquals(0, run.exitCode(), run.err());
        assertTrue(run.out().startsWith("wrote " + out + ": 14 layers as q4"), run.out());
        JsonNode info = json(vllava("info", "--model", out.toString(), "--json"));
        JsonNode language = info.get("weights").get("language_model");
        assertTrue(language.get("formats").toString().contains("int4 g32"), language.toString());
        assertTrue(language.get("bits_per_weight").asDouble() < 32, "F32 embeddings plus int4 layers: " + language);
        assertEquals("[\"F32\"]", info.get("weights").get("video_tower").get("formats").toString(), "vision stays as stored");
    }

    @Test
    void aQuantizedCheckpointAnswersAsQuantizingAtLoadDoes() throws IOException {
        Path out = dir.resolve("q8");
        assertEquals(0, vllava("quantize", "--model", TINY_A, "--out", out.toString(), "--weights", "q8").exitCode());
        JsonNode fromFile = json(vllava("ask", "--model", out.toString(), "--backend", "cpu", "--max-new-tokens", "8",
                "--json", "Hello"));
        JsonNode atLoad = json(vllava("ask", "--model", TINY_A, "--backend", "cpu", "--weights", "q8",
                "--max-new-tokens", "8", "--json", "Hello"));
        assertEquals(atLoad.get("token_ids"), fromFile.get("token_ids"), "same codes, same scales, same kernels");
        assertEquals("int8 g32, compressed-tensors checkpoint", fromFile.get("weights").asText(), "--json names the departure");
        assertEquals("q8, quantized at load", atLoad.get("weights").asText());
    }

    @Test
    void infoStatsReportsTheRoundTripErrorOfEveryTarget() throws IOException {
        JsonNode info = json(vllava("info", "--model", TINY_A, "--stats", "--weights", "q4", "--json"));
        JsonNode tensors = info.get("round_trip").get("tensors");
        assertEquals(14, tensors.size(), "2 layers × q/k/v/o/gate/up/down");
        for (JsonNode tensor : tensors) {
            double error = tensor.get("relative_rms").asDouble();
            // int4 with groups of 32 of Gaussian-like weights: about 1/(7.5·sqrt(12)) of each group's max, ~10% of the RMS
            assertTrue(error > 0.01 && error < 0.2, tensor.toString());
        }
    }

    @Test
    void unknownWeightsIsAUsageError() {
        CapturedRun run = vllava("quantize", "--model", TINY_A, "--out", dir.resolve("x").toString(), "--weights", "q3");
        assertEquals(2, run.exitCode());
        assertTrue(run.err().contains("--weights must be q8 or q4, got 'q3'"), run.err());
    }

    @Test
    void outFolderHoldingACheckpointIsRefused() {
        CapturedRun run = vllava("quantize", "--model", TINY_A, "--out", TINY_A, "--weights", "q8");
        assertEquals(2, run.exitCode(), run.err());
    }

    @Test
    void brokenQuantizationConfigExitsFourWithOneLine() throws IOException {
        Path out = dir.resolve("broken");
        assertEquals(0, vllava("quantize", "--model", TINY_A, "--out", out.toString(), "--weights", "q4").exitCode());
        ObjectMapper mapper = new ObjectMapper();
        ObjectNode config = (ObjectNode) mapper.readTree(out.resolve("config.json").toFile());
        ((ObjectNode) config.get("quantization_config").get("config_groups").get("group_0").get("weights")).put("num_bits", 2);
        Files.writeString(out.resolve("config.json"), config.toString());
        CapturedRun run = vllava("info", "--model", out.toString());
        assertEquals(4, run.exitCode());
        assertEquals("vllava: error: config.json: quantization_config.config_groups.group_0.weights.num_bits 2 is not supported"
                + " (expected 8 or 4)", run.err().strip().lines().filter(l -> l.startsWith("vllava:")).findFirst().orElse(run.err()));
    }

    private static CapturedRun vllava(String... args) {
        return CapturedRun.vllava(args);
    }

    private static JsonNode json(CapturedRun run) throws IOException {
        assertEquals(0, run.exitCode(), run.err());
        return new ObjectMapper().readTree(run.out());
    }
}
