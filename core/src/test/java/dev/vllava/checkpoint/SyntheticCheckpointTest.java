package dev.vllava.checkpoint;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.node.ObjectNode;
import dev.vllava.Failure;
import dev.vllava.VllavaException;
import dev.vllava.config.VideoLlavaConfig;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Map;
import java.util.stream.Collectors;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** The synthetic Video-LLaVA-7B: real names and shapes, three sparse shards, and the ways a real download goes wrong. */
class SyntheticCheckpointTest {
    static final VideoLlavaConfig SEVEN_B = SyntheticCheckpoint.VIDEO_LLAVA_7B;
    static final String Q_PROJ = "language_model.model.layers.0.self_attn.q_proj.weight";
    static final String GATE_PROJ = "language_model.model.layers.5.mlp.gate_proj.weight";

    @TempDir
    Path dir;

    // Parameter counts worked out by hand from the published architecture.
    static final long VISION_LAYER = 4 * (1024L * 1024 + 1024) // q, k, v, out projections with biases
            + (4096L * 1024 + 4096) + (1024L * 4096 + 1024) // fc1, fc2
            + 4 * 1024; // two layer norms
    static final long VISION_TOWER = 24 * VISION_LAYER + 1024 // class embedding
            + 1024L * 3 * 14 * 14 + 257L * 1024 // patch conv, 16x16 patches + CLS positions
            + 4 * 1024; // pre_layrnorm, post_layernorm
    static final long PROJECTOR = 4096L * 1024 + 4096 + 4096L * 4096 + 4096;
    static final long LLM_LAYER = 4 * 4096L * 4096 + 3 * 4096L * 11008 + 2 * 4096;
    static final long LLM = 32 * LLM_LAYER + 2 * 32064L * 4096 + 4096;

    @Test
    void schemaOfThe7bConfigHasTheRealParameterCounts() {
        Map<ModelPart, Long> perPart = CheckpointSchema.expected(SEVEN_B).stream()
                .collect(Collectors.groupingBy(TensorSpec::part, Collectors.summingLong(TensorSpec::elementCount)));
        assertEquals(303_179_776L, VISION_TOWER, "CLIP ViT-L/14 has about 303 M parameters");
        assertEquals(6_738_939_904L, LLM, "Vicuna-7B has about 6.74 B parameters");
        assertEquals(VISION_TOWER, perPart.get(ModelPart.IMAGE_TOWER));
        assertEquals(VISION_TOWER, perPart.get(ModelPart.VIDEO_TOWER));
        assertEquals(PROJECTOR, perPart.get(ModelPart.PROJECTOR));
        assertEquals(LLM, perPart.get(ModelPart.LANGUAGE_MODEL));
        assertEquals(782 + 4 + 291, CheckpointSchema.expected(SEVEN_B).size(), "2 x 391 tower tensors, 4 projector, 291 LLM");
    }

    @Test
    void opensTheSparse7bCheckpointWithRealShapes() {
        SyntheticCheckpoint.writeSparse(dir, SEVEN_B, 3, DType.F16);
        try (Checkpoint checkpoint = Checkpoint.open(dir)) {
            assertEquals(3, checkpoint.files().size());
            assertEquals(SEVEN_B, checkpoint.config(), "config.json written by configJson reads back to the same config");
            assertArrayEquals(new long[] {4096, 4096}, checkpoint.tensor(Q_PROJ).shape());
            assertArrayEquals(new long[] {32064, 4096}, checkpoint.tensor("language_model.lm_head.weight").shape());
            assertArrayEquals(new long[] {1024, 3, 14, 14},
                    checkpoint.tensor("video_tower.vision_model.embeddings.patch_embedding.weight").shape());
            assertTrue(checkpoint.bytesOnDisk() > 2 * (2 * VISION_TOWER + PROJECTOR + LLM), "F16: 2 bytes per parameter plus headers");
        }
    }

    @Test
    void reportsATensorThatTheIndexPlacesInAShardThatLacksIt() throws IOException {
        SyntheticCheckpoint.writeSparse(dir, SEVEN_B, 3, DType.F16);
        String shard = shardOf(GATE_PROJ);
        HeaderSurgery.editHeader(dir.resolve(shard), header -> header.remove(GATE_PROJ));
        assertEquals("checkpoint " + dir + ": 1 damaged (shard " + shard + " lacks tensor " + GATE_PROJ
                + " that model.safetensors.index.json places there)", refusal());
    }

    @Test
    void reportsAMisShapedTensorInAShard() throws IOException {
        SyntheticCheckpoint.writeSparse(dir, SEVEN_B, 3, DType.F16);
        HeaderSurgery.editHeader(dir.resolve(shardOf(GATE_PROJ)),
                header -> ((ObjectNode) header.get(GATE_PROJ)).putArray("shape").add(4096).add(11008));
        assertEquals("checkpoint " + dir + ": 1 mis-shaped (" + GATE_PROJ + ": expected [11008, 4096], found [4096, 11008])", refusal());
    }

    @Test
    void reportsATruncatedShardByItsTensorsPastTheEnd() throws IOException {
        SyntheticCheckpoint.writeSparse(dir, SEVEN_B, 3, DType.F16);
        Path last = dir.resolve("model-00003-of-00003.safetensors");
        HeaderSurgery.truncate(last, Files.size(last) / 2);
        String message = refusal();
        assertTrue(message.startsWith("checkpoint " + dir + ": "), message);
        assertTrue(message.contains(": 1 damaged (model-00003-of-00003.safetensors: truncated: "), message);
        assertTrue(message.matches(".*truncated: \\d+ tensors \\(language_model\\.[a-z_.0-9]+, \\.\\.\\.\\) end past the \\d+ bytes.*"),
                message);
        assertFalse(message.contains("missing"), "tensors of a cut shard are reported once, as damage: " + message);
    }

    @Test
    void reportsOverlappingTensorsInAShard() throws IOException {
        SyntheticCheckpoint.writeSparse(dir, SEVEN_B, 3, DType.F16);
        String shard = shardOf(Q_PROJ);
        String kProj = Q_PROJ.replace("q_proj", "k_proj");
        HeaderSurgery.editHeader(dir.resolve(shard),
                header -> ((ObjectNode) header.get(kProj)).set("data_offsets", header.get(Q_PROJ).get("data_offsets")));
        String message = refusal();
        assertTrue(message.contains("1 damaged (" + shard + ": tensors "), message);
        assertTrue(message.contains(" overlap (data_offsets ["), message);
        assertFalse(message.contains("missing"), message);
    }

    @Test
    void reportsAnIntegerDtypeInAShard() throws IOException {
        SyntheticCheckpoint.writeSparse(dir, SEVEN_B, 3, DType.F16);
        HeaderSurgery.editHeader(dir.resolve(shardOf(Q_PROJ)), header -> ((ObjectNode) header.get(Q_PROJ)).put("dtype", "I16"));
        assertEquals("checkpoint " + dir + ": 1 with a dtype other than F32/F16/BF16 (" + Q_PROJ + ": I16)", refusal());
    }

    @Test
    void reportsAShardThatTheIndexNamesButIsNotThere() throws IOException {
        SyntheticCheckpoint.writeSparse(dir, SEVEN_B, 3, DType.F16);
        long inShard2 = weightMap().values().stream().filter(s -> s.equals("model-00002-of-00003.safetensors")).count();
        Files.delete(dir.resolve("model-00002-of-00003.safetensors"));
        assertEquals("checkpoint " + dir + ": 1 damaged (model.safetensors.index.json names missing shard "
                + "model-00002-of-00003.safetensors (" + inShard2 + " tensors))", refusal());
    }

    private String refusal() {
        VllavaException e = assertThrows(VllavaException.class, () -> Checkpoint.open(dir).close());
        assertEquals(Failure.CHECKPOINT, e.failure());
        assertFalse(e.getMessage().contains("\n"), "one line: " + e.getMessage());
        return e.getMessage();
    }

    private Map<String, String> weightMap() throws IOException {
        JsonNode index = new ObjectMapper().readTree(dir.resolve("model.safetensors.index.json").toFile());
        return index.get("weight_map").properties().stream()
                .collect(Collectors.toMap(Map.Entry::getKey, e -> e.getValue().textValue()));
    }

    private String shardOf(String tensor) throws IOException {
        return weightMap().get(tensor);
    }
}
