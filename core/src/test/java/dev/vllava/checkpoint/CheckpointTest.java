package dev.vllava.checkpoint;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.vllava.Failure;
import dev.vllava.VllavaException;
import java.nio.file.Path;
import org.junit.jupiter.api.Test;

class CheckpointTest {
    static final Path TINY_A = Path.of("../testdata/tiny-a/model");
    static final Path SHAPES = Path.of("../testdata/shapes/model");

    @Test
    void opensTheTinyCheckpointWithEveryTensorOfTheSchema() {
        try (Checkpoint checkpoint = Checkpoint.open(TINY_A)) {
            assertEquals(CheckpointSchema.expected(checkpoint.config()).size(), checkpoint.tensors().size());
            TensorData q = checkpoint.tensor("language_model.model.layers.1.self_attn.q_proj.weight");
            assertEquals(DType.F32, q.dtype());
            assertArrayEquals(new long[] {64, 64}, q.shape());
            assertEquals(64L * 64 * 4, q.data().byteSize());
            assertEquals(1, checkpoint.files().size());
            assertEquals(TINY_A, checkpoint.modelDir().orElseThrow());
        }
    }

    @Test
    void opensTheFloat16TrainedCheckpoint() {
        try (Checkpoint checkpoint = Checkpoint.open(SHAPES)) {
            assertTrue(checkpoint.tensors().stream().allMatch(t -> t.dtype() == DType.F16));
        }
    }

    @Test
    void reportsAMissingModelFolderInOneLine() {
        VllavaException e = assertThrows(VllavaException.class, () -> Checkpoint.open(Path.of("/nonexistent/model")));
        assertEquals(Failure.CHECKPOINT, e.failure());
        assertEquals("model folder /nonexistent/model does not exist", e.getMessage());
    }
}
