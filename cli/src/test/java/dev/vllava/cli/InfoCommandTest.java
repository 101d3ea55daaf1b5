package dev.vllava.cli;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import dev.vllava.checkpoint.DType;
import dev.vllava.checkpoint.SyntheticCheckpoint;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** {@code vllava info} run in this JVM through Main, as the launcher runs it: stdout, stderr and the exit code. */
class InfoCommandTest {
    static final Path TINY_A = Path.of("../testdata/tiny-a/model");

    // Video-LLaVA-7B parameter counts, worked out by hand from the architecture.
    static final long VISION_TOWER = 24 * (4 * (1024L * 1024 + 1024) + 2 * 4096L * 1024 + 4096 + 1024 + 4 * 1024)
            + 1024 + 1024L * 3 * 14 * 14 + 257L * 1024 + 4 * 1024; // 303,179,776: CLIP ViT-L/14
    static final long PROJECTOR = 1024L * 4096 + 4096 + 4096L * 4096 + 4096; // 20,979,712
    static final long LLM = 32 * (4 * 4096L * 4096 + 3 * 4096L * 11008 + 2 * 4096) + 2 * 32064L * 4096 + 4096; // 6.74 B

    @TempDir
    static Path dir;

    static Path sevenB;

    @BeforeAll
    static void writeSynthetic7b() {
        sevenB = dir.resolve("video-llava-7b");
        SyntheticCheckpoint.writeSparse(sevenB, SyntheticCheckpoint.VIDEO_LLAVA_7B, 2, DType.BF16);
    }

    static CapturedRun vllava(String... args) {
        return CapturedRun.vllava(args);
    }

    static JsonNode json(CapturedRun run) throws IOException {
        assertEquals(0, run.exitCode(), run.err());
        return new ObjectMapper().readTree(run.out());
    }

    @Test
    void describesTheTinyCheckpointAsJson() throws IOException {
        JsonNode info = json(vllava("info", "--model", TINY_A.toString(), "--json"));
        assertEquals(1, info.get("shards").asInt());
        assertEquals(Files.size(TINY_A.resolve("model.safetensors")), info.get("bytes_on_disk").asLong());
        assertEquals(103, info.get("dtypes").get("F32").asInt());
        assertEquals(4096, info.get("context_length").asInt());
        assertEquals(256, info.get("visual_tokens").get("per_image").asInt());
        assertEquals(257, info.get("visual_tokens").get("per_video_frame").asInt());
        assertEquals(2, info.get("image_tower").get("layers").asInt());
        assertEquals("quick_gelu", info.get("video_tower").get("hidden_act").asText());
        assertEquals(4, info.get("language_model").get("kv_heads").asInt());
        assertEquals(1024, info.get("language_model").get("vocab_size").asInt());
        // Vision: 2 layers of 4 x (32x32 + 32) + (64x32 + 64) + (32x64 + 32) + 4 x 32, embeddings 32 + 32x3x14x14 + 257x32, 2 norms.
        long tower = 2 * (4 * (32 * 32 + 32) + 64 * 32 + 64 + 32 * 64 + 32 + 4 * 32) + 32 + 32 * 3 * 14 * 14 + 257 * 32 + 4 * 32;
        assertEquals(tower, info.get("parameters").get("image_tower").asLong());
        assertEquals(64 * 32 + 64 + 64 * 64 + 64, info.get("parameters").get("projector").asLong());
        JsonNode tokenizer = info.get("tokenizer");
        assertEquals("tokenizer.model", tokenizer.get("kind").asText());
        assertEquals(1, tokenizer.get("bos_id").asInt());
        assertEquals(2, tokenizer.get("eos_id").asInt());
        assertEquals(1000, tokenizer.get("image_id").asInt());
        assertEquals(1001, tokenizer.get("video_id").asInt());
        assertEquals(1002, tokenizer.get("pad_id").asInt());
    }

    @Test
    void reportsTheRealParameterCountsOfTheSharded7b() throws IOException {
        JsonNode info = json(vllava("info", "--model", sevenB.toString(), "--json"));
        JsonNode parameters = info.get("parameters");
        assertEquals(303_179_776L, VISION_TOWER);
        assertEquals(6_738_939_904L, LLM);
        assertEquals(VISION_TOWER, parameters.get("image_tower").asLong());
        assertEquals(VISION_TOWER, parameters.get("video_tower").asLong());
        assertEquals(PROJECTOR, parameters.get("projector").asLong());
        assertEquals(LLM, parameters.get("language_model").asLong());
        assertEquals(7_366_279_168L, parameters.get("total").asLong(), "Video-LLaVA-7B: about 7.37 B parameters");
        assertEquals(2, info.get("shards").asInt());
        assertEquals(1077, info.get("dtypes").get("BF16").asInt());
        assertTrue(info.get("bytes_on_disk").asLong() > 2 * 7_366_279_168L, "BF16: 2 bytes per parameter plus headers");
        assertEquals(4096, info.get("context_length").asInt());
        assertEquals(32, info.get("language_model").get("kv_heads").asInt());
        assertEquals(11008, info.get("language_model").get("intermediate_size").asInt());
        assertEquals(24, info.get("image_tower").get("layers").asInt());
        JsonNode tokenizer = info.get("tokenizer");
        assertTrue(tokenizer.get("kind").isNull(), "the synthetic checkpoint has no tokenizer files");
        assertEquals(32000, tokenizer.get("image_id").asInt(), "from config.json");
        assertEquals(32002, tokenizer.get("pad_id").asInt(), "from config.json");
        assertEquals(1, tokenizer.get("bos_id").asInt(), "from text_config.bos_token_id");
    }

    @Test
    void printsAnAlignedTableByDefault() {
        CapturedRun run = vllava("info", "--model", sevenB.toString());
        assertEquals(0, run.exitCode(), run.err());
        assertTrue(run.out().contains("weights         2 shards, "), run.out());
        assertTrue(run.out().contains("dtypes          BF16 (1077 tensors)"), run.out());
        assertTrue(run.out().contains("context length  4096 tokens"), run.out());
        assertTrue(run.out().contains("tokenizer       none in the folder; ids from config.json: bos 1, eos 2, <image> 32000"), run.out());
        String[] lines = run.out().lines().toArray(String[]::new);
        String header = lines[7];
        assertTrue(header.startsWith("part "), run.out());
        int parametersEnd = header.length();
        for (int i = 8; i < lines.length; i++) {
            assertEquals(parametersEnd, lines[i].length(), "numbers right-aligned under 'parameters': " + lines[i]);
        }
        assertTrue(run.out().contains("6,738,939,904 (6.74 B)"), run.out());
        assertTrue(lines[lines.length - 1].startsWith("total") && lines[lines.length - 1].endsWith("7,366,279,168 (7.37 B)"),
                run.out());
        assertEquals("", run.err());
    }

    @Test
    void refusesAMissingFolderWithOneLineAndExitCode4() {
        CapturedRun run = vllava("info", "--model", dir.resolve("absent").toString());
        assertEquals(4, run.exitCode());
        assertEquals("", run.out());
        assertEquals("vllava: error: model folder " + dir.resolve("absent") + " does not exist", run.err().strip());
    }

    @Test
    void refusesAFolderWithoutConfigOrWeights() throws IOException {
        Path empty = Files.createDirectories(dir.resolve("empty"));
        CapturedRun noConfig = vllava("info", "--model", empty.toString());
        assertEquals(4, noConfig.exitCode());
        assertEquals("vllava: error: " + empty.resolve("config.json") + ": no config.json in the model folder", noConfig.err().strip());
        Files.copy(TINY_A.resolve("config.json"), empty.resolve("config.json"));
        CapturedRun noWeights = vllava("info", "--model", empty.toString(), "--json");
        assertEquals(4, noWeights.exitCode());
        assertEquals("", noWeights.out(), "stdout carries the result and nothing else");
        assertTrue(noWeights.err().strip().startsWith("vllava: error: "), noWeights.err());
        assertFalse(noWeights.err().strip().contains("\n"), "one line: " + noWeights.err());
    }

    @Test
    void refusesAnUnreadableConfig() throws IOException {
        Path broken = Files.createDirectories(dir.resolve("broken-config"));
        Files.writeString(broken.resolve("config.json"), "{\"text_config\": {\"hidden_size\": ");
        CapturedRun run = vllava("info", "--model", broken.toString());
        assertEquals(4, run.exitCode());
        assertTrue(run.err().startsWith("vllava: error: " + broken.resolve("config.json") + ": unreadable"), run.err());
        assertEquals(1, run.err().strip().lines().count(), run.err());
    }

    @Test
    void requiresTheModelOption() {
        CapturedRun run = vllava("info");
        assertEquals(2, run.exitCode());
        assertTrue(run.err().contains("--model"), run.err());
    }
}
