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
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** model.safetensors.index.json is trusted only as far as the shards agree with it. */
class ShardedIndexTest {
    static final VideoLlavaConfig TINY = VideoLlavaConfig.load(Path.of("../testdata/tiny-a/model"));
    static final String NORM = "language_model.model.norm.weight";

    @TempDir
    Path dir;

    private Path index() {
        return dir.resolve("model.safetensors.index.json");
    }

    private ObjectNode writeShardsAndReadIndex() throws IOException {
        SyntheticCheckpoint.writeSparse(dir, TINY, 3, DType.F16);
        return (ObjectNode) new ObjectMapper().readTree(index().toFile());
    }

    private String refusal() {
        VllavaException e = assertThrows(VllavaException.class, () -> Checkpoint.open(dir).close());
        assertEquals(Failure.CHECKPOINT, e.failure());
        assertFalse(e.getMessage().contains("\n"), "one line: " + e.getMessage());
        return e.getMessage();
    }

    @Test
    void opensThreeShardsOfTheTinyCheckpoint() throws IOException {
        writeShardsAndReadIndex();
        try (Checkpoint checkpoint = Checkpoint.open(dir)) {
            assertEquals(3, checkpoint.files().size());
            assertEquals(DType.F16, checkpoint.tensor(NORM).dtype());
        }
    }

    @Test
    void prefersTheSingleFileWhenBothLayoutsArePresent() throws IOException {
        writeShardsAndReadIndex();
        SafeTensorsWriter.write(dir.resolve("model.safetensors"), Map.of(), CheckpointSchema.expected(TINY).stream()
                .map(s -> new SafeTensorsWriter.Tensor(s.name(), "F32", s.shape(), null)).toList());
        try (Checkpoint checkpoint = Checkpoint.open(dir)) {
            assertEquals(List.of(dir.resolve("model.safetensors")), checkpoint.files(), "transformers looks for model.safetensors first");
        }
    }

    @Test
    void refusesAnIndexThatIsNotJson() throws IOException {
        writeShardsAndReadIndex();
        Files.writeString(index(), "{\"weight_map\": {");
        assertTrue(refusal().startsWith(index() + ": not valid JSON"));
    }

    @Test
    void refusesAnIndexWithoutAWeightMap() throws IOException {
        writeShardsAndReadIndex();
        Files.writeString(index(), "{\"metadata\": {}}");
        assertEquals(index() + ": no weight_map object", refusal());
    }

    @Test
    void refusesAShardPathThatLeavesTheModelFolder() throws IOException {
        ObjectNode json = writeShardsAndReadIndex();
        ((ObjectNode) json.get("weight_map")).put(NORM, "../elsewhere.safetensors");
        Files.writeString(index(), json.toString());
        String message = refusal();
        assertTrue(message.contains("1 damaged (model.safetensors.index.json names shard '../elsewhere.safetensors', which is not a plain file name)"),
                message);
        assertFalse(message.contains("missing"), "the tensor's absence is explained by the bad shard name: " + message);
    }

    @Test
    void refusesATensorStoredInTwoShards() throws IOException {
        ObjectNode json = writeShardsAndReadIndex();
        String home = json.get("weight_map").get(NORM).textValue();
        String other = home.equals("model-00001-of-00003.safetensors") ? "model-00002-of-00003.safetensors" : "model-00001-of-00003.safetensors";
        // Give a [64] tensor of the other shard the norm's name: the same bytes, now claimed by two shards.
        HeaderSurgery.editHeader(dir.resolve(other), header -> {
            String victim = header.properties().stream()
                    .filter(e -> e.getValue().path("shape").toString().equals("[64]")).findFirst().orElseThrow().getKey();
            header.set(NORM, header.remove(victim));
        });
        assertTrue(refusal().contains("tensor " + NORM + " is in more than one shard"));
    }
}
