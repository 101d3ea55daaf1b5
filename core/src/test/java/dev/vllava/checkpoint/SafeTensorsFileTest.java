package dev.vllava.checkpoint;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.vllava.Failure;
import dev.vllava.VllavaException;
import java.nio.ByteBuffer;
import java.nio.ByteOrder;
import java.nio.file.Path;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

class SafeTensorsFileTest {
    static final Path TINY_A = Path.of("../testdata/tiny-a");

    @TempDir
    Path dir;

    @Test
    void readsEveryTensorOfTheTinyCheckpointWithNameDtypeAndShape() {
        try (SafeTensorsFile file = SafeTensorsFile.open(TINY_A.resolve("model/model.safetensors"))) {
            assertEquals(Map.of("format", "pt"), file.metadata());
            SafeTensorsFile.Entry patch = file.entry("image_tower.vision_model.embeddings.patch_embedding.weight");
            assertEquals("F32", patch.dtype());
            assertArrayEquals(new long[] {32, 3, 14, 14}, patch.shape());
            assertEquals(32L * 3 * 14 * 14 * 4, patch.data().byteSize());
            assertEquals(1024 * 64, file.floats("language_model.lm_head.weight").length);
            long elements = file.entries().stream().mapToLong(SafeTensorsFile.Entry::elementCount).sum();
            assertTrue(elements > 200_000, "tiny-a holds about 300k parameters");
        }
    }

    @Test
    void readsGoldenIntegerAndByteTensors() {
        try (SafeTensorsFile media = SafeTensorsFile.open(TINY_A.resolve("golden-media.safetensors"));
                SafeTensorsFile golden = SafeTensorsFile.open(TINY_A.resolve("golden-model.safetensors"))) {
            assertEquals("U8", media.entry("videos.clip.frames").dtype());
            assertEquals(8 * 240 * 320 * 3, media.bytes("videos.clip.frames").length);
            assertArrayEquals(new long[] {8, 240, 320, 3}, media.shape("videos.clip.frames"));
            long[] ids = golden.longs("prompts.image_q.input_ids");
            assertEquals(284, ids.length);
            assertEquals(1, ids[0], "prompts start with BOS = 1");
            assertEquals("tiny-a", golden.metadata().get("case"));
        }
    }

    @Test
    void convertsHalfAndBfloat16ToFloats() {
        float[] values = {1.5f, -2.25f, 0f, 65504f};
        ByteBuffer f16 = ByteBuffer.allocate(8).order(ByteOrder.LITTLE_ENDIAN);
        ByteBuffer bf16 = ByteBuffer.allocate(8).order(ByteOrder.LITTLE_ENDIAN);
        for (float v : values) {
            f16.putShort(Float.floatToFloat16(v));
            bf16.putShort((short) (Float.floatToIntBits(v) >>> 16));
        }
        Path path = dir.resolve("half.safetensors");
        SafeTensorsWriter.write(path, Map.of(), List.of(
                new SafeTensorsWriter.Tensor("h", "F16", new long[] {4}, f16.array()),
                new SafeTensorsWriter.Tensor("b", "BF16", new long[] {2, 2}, bf16.array())));
        try (SafeTensorsFile file = SafeTensorsFile.open(path)) {
            assertArrayEquals(values, file.floats("h"));
            assertArrayEquals(new float[] {1.5f, -2.25f, 0f, 65280f}, file.floats("b"),
                    "bfloat16 keeps 8 significand bits: 65504 truncated (as written here) is 65280");
        }
    }

    @Test
    void namesTheFileAndTensorWhenAskedForAnAbsentTensor() {
        try (SafeTensorsFile file = SafeTensorsFile.open(TINY_A.resolve("model/model.safetensors"))) {
            VllavaException e = assertThrows(VllavaException.class, () -> file.floats("nope"));
            assertEquals(Failure.CHECKPOINT, e.failure());
            assertTrue(e.getMessage().contains("no tensor nope"), e.getMessage());
            assertFalse(file.contains("nope"));
        }
    }
}
