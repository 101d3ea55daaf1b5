package dev.vllava.checkpoint;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.node.ObjectNode;
import dev.vllava.Failure;
import dev.vllava.VllavaException;
import dev.vllava.config.VideoLlavaConfig;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** A checkpoint that does not match its config is refused before any compute, with everything wrong in one line. */
class CheckpointValidationTest {
    static final VideoLlavaConfig TINY = VideoLlavaConfig.load(Path.of("../testdata/tiny-a/model"));

    @TempDir
    Path dir;

    private Path tinyCheckpoint() {
        SyntheticCheckpoint.writeSparse(dir, TINY, 1, DType.F32);
        return dir.resolve("model.safetensors");
    }

    private String refusal(Path model) {
        VllavaException e = assertThrows(VllavaException.class, () -> Checkpoint.open(model).close());
        assertEquals(Failure.CHECKPOINT, e.failure());
        assertFalse(e.getMessage().contains("\n"), "one line: " + e.getMessage());
        return e.getMessage();
    }

    @Test
    void acceptsTheSyntheticTinyCheckpoint() {
        tinyCheckpoint();
        try (Checkpoint checkpoint = Checkpoint.open(dir)) {
            assertEquals(CheckpointSchema.expected(TINY).size(), checkpoint.tensors().size());
        }
    }

    @Test
    void reportsEveryMissingUnexpectedAndMisShapedTensorInOneLine() throws IOException {
        HeaderSurgery.editHeader(tinyCheckpoint(), header -> {
            header.remove("language_model.model.norm.weight");
            header.remove("video_tower.vision_model.post_layernorm.bias");
            ((ObjectNode) header.get("multi_modal_projector.linear_1.weight")).putArray("shape").add(32).add(64);
            header.putObject("extra.weight").put("dtype", "F32").putArray("shape").add(0);
            ((ObjectNode) header.get("extra.weight")).putArray("data_offsets").add(0).add(0);
        });
        assertEquals("checkpoint " + dir + ": 2 missing tensors (video_tower.vision_model.post_layernorm.bias, "
                + "language_model.model.norm.weight), 1 unexpected (extra.weight), 1 mis-shaped "
                + "(multi_modal_projector.linear_1.weight: expected [64, 32], found [32, 64])", refusal(dir));
    }

    @Test
    void namesEachTensorWhoseDtypeIsNotAFloatType() throws IOException {
        HeaderSurgery.editHeader(tinyCheckpoint(), header -> {
            ((ObjectNode) header.get("language_model.model.norm.weight")).put("dtype", "I32");
            ((ObjectNode) header.get("multi_modal_projector.linear_2.bias")).put("dtype", "U32");
        });
        assertEquals("checkpoint " + dir + ": 2 with a dtype other than F32/F16/BF16 "
                + "(multi_modal_projector.linear_2.bias: U32, language_model.model.norm.weight: I32)", refusal(dir));
    }

    @Test
    void capsLongListsWithACount() throws IOException {
        HeaderSurgery.editHeader(tinyCheckpoint(), header -> header.properties().removeIf(e -> e.getKey().startsWith("image_tower.")));
        String message = refusal(dir);
        int expectedMissing = (int) CheckpointSchema.expected(TINY).stream().filter(s -> s.part() == ModelPart.IMAGE_TOWER).count();
        assertTrue(message.startsWith("checkpoint " + dir + ": " + expectedMissing + " missing tensors (image_tower."), message);
        assertTrue(message.endsWith(", ... and " + (expectedMissing - 5) + " more)"), message);
    }

    @Test
    void acceptsIgnorableBuffersThatTransformersSkips() throws IOException {
        HeaderSurgery.editHeader(tinyCheckpoint(), header -> {
            ObjectNode ids = header.putObject("image_tower.vision_model.embeddings.position_ids").put("dtype", "I64");
            ids.putArray("shape").add(0);
            ids.putArray("data_offsets").add(0).add(0);
        });
        try (Checkpoint checkpoint = Checkpoint.open(dir)) {
            assertFalse(checkpoint.has("image_tower.vision_model.embeddings.position_ids"));
        }
    }

    @Test
    void reportsATruncatedFileWithoutAlsoListingItsTensorsAsMissing() throws IOException {
        Path file = tinyCheckpoint();
        HeaderSurgery.truncate(file, Files.size(file) - 1);
        String message = refusal(dir);
        long dataBytes = Files.size(file) - tinyDataStart(file);
        assertEquals("checkpoint " + dir + ": 1 damaged (model.safetensors: truncated: tensor language_model.lm_head.weight "
                + "ends past the " + dataBytes + " bytes of data (the header needs " + (dataBytes + 1) + "))", message);
    }

    @Test
    void reportsMissingFolderConfigAndWeightsInOneLine() throws IOException {
        assertEquals("model folder " + dir.resolve("absent") + " does not exist", refusal(dir.resolve("absent")));
        Files.writeString(dir.resolve("file"), "x");
        assertTrue(refusal(dir.resolve("file")).endsWith("is not a folder (--model takes the checkpoint folder)"));
        assertEquals(dir.resolve("config.json") + ": no config.json in the model folder", refusal(dir));
        Files.writeString(dir.resolve("config.json"), "{\"model_type\": ");
        assertTrue(refusal(dir).startsWith(dir.resolve("config.json") + ": unreadable"));
        Files.writeString(dir.resolve("config.json"), new ObjectMapper().writeValueAsString(SyntheticCheckpoint.configJson(TINY)));
        assertEquals(dir + ": no model.safetensors or model.safetensors.index.json in the model folder", refusal(dir));
    }

    @Test
    void checksInMemoryWeightsLikeFiles() {
        try (Checkpoint random = SyntheticCheckpoint.random(TINY, DType.BF16, 7, 0.02f)) {
            java.util.Map<String, TensorData> weights = new java.util.LinkedHashMap<>();
            random.tensors().forEach(t -> weights.put(t.name(), t));
            weights.remove("language_model.lm_head.weight");
            VllavaException e = assertThrows(VllavaException.class, () -> Checkpoint.inMemory(TINY, weights));
            assertEquals("checkpoint (in memory): 1 missing tensor (language_model.lm_head.weight)", e.getMessage());
        }
    }

    private static long tinyDataStart(Path file) throws IOException {
        try (var in = Files.newInputStream(file)) {
            return 8 + Long.reverseBytes(new java.io.DataInputStream(in).readLong());
        }
    }
}
