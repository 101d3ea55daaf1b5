package dev.vllava.checkpoint.quant;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.node.ObjectNode;
import dev.vllava.Failure;
import dev.vllava.VllavaException;
import dev.vllava.checkpoint.Checkpoint;
import dev.vllava.checkpoint.DType;
import dev.vllava.checkpoint.SafeTensorsFile;
import dev.vllava.checkpoint.SafeTensorsWriter;
import dev.vllava.checkpoint.TensorData;
import java.io.IOException;
import java.lang.foreign.Arena;
import java.lang.foreign.MemorySegment;
import java.lang.foreign.ValueLayout;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.function.UnaryOperator;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * The compressed-tensors layout, written by {@link CheckpointQuantizer} and read back by
 * {@link Checkpoint#open}: codes, pack order and scales as llm-compressor writes them, and every
 * disagreement between config and tensors reported as one checkpoint error naming the tensor and field.
 */
class CompressedTensorsTest {
    static final Path TINY_A = Path.of("../testdata/tiny-a/model");
    static final String Q_PROJ = "language_model.model.layers.0.self_attn.q_proj";

    @TempDir
    Path dir;

    @Test
    void packOrderIsCompressedTensorsPackToInt32() {
        // pack_to_int32 with 4 bits: code + 8 at bit 4·j of each int32 word, words little-endian.
        int[] codes = {-8, -7, 0, 1, 7, 3, -1, 2};
        int word = 0;
        for (int j = 0; j < codes.length; j++) {
            word |= (codes[j] + 8) << (4 * j);
        }
        MemorySegment packed = Arena.ofAuto().allocate(4);
        packed.set(ValueLayout.JAVA_INT_UNALIGNED, 0, word);
        MemorySegment scales = MemorySegment.ofArray(new float[] {1f});
        QuantizedLayout layout = new QuantizedLayout(4, 8, 1, 8, DType.F32, scales);
        for (int j = 0; j < codes.length; j++) {
            assertEquals(codes[j], layout.code(packed, 0, j), "element " + j);
        }
    }

    @Test
    void quantizedCheckpointReadsBackWithinHalfAStepOfTheOriginal() {
        Path out = dir.resolve("q8");
        CheckpointQuantizer.quantize(TINY_A, out, new QuantScheme(8, 32), QuantTargets.LANGUAGE_LINEAR, done -> {});
        try (Checkpoint original = Checkpoint.open(TINY_A); Checkpoint quantized = Checkpoint.open(out)) {
            TensorData q = quantized.tensor(Q_PROJ + ".weight");
            assertTrue(q.isQuantized(), "q_proj is quantized");
            assertFalse(quantized.tensor("language_model.lm_head.weight").isQuantized(), "lm_head stays as stored");
            assertFalse(quantized.tensor("video_tower.vision_model.encoder.layers.0.mlp.fc1.weight").isQuantized(),
                    "the vision tower stays as stored");
            TensorData w = original.tensor(Q_PROJ + ".weight");
            float[] want = new float[(int) w.columns()];
            float[] got = new float[(int) w.columns()];
            for (int row = 0; row < w.rows(); row++) {
                Quantizer.readRow(w, row, want);
                q.quantized().dequantizeRow(q.data(), row, got);
                for (int c = 0; c < want.length; c++) {
                    float step = q.quantized().scale(row, c / 32);
                    assertEquals(want[c], got[c], step / 2 + 1e-7, "row " + row + " column " + c + ": within half a step");
                }
            }
        }
        assertTrue(Files.exists(out.resolve("tokenizer.model")), "tokenizer files are copied");
    }

    @Test
    void configRecordsTheSchemeAsLlmCompressorWritesIt() throws IOException {
        Path out = dir.resolve("q4");
        CheckpointQuantizer.quantize(TINY_A, out, new QuantScheme(4, 32), QuantTargets.LANGUAGE_LINEAR, done -> {});
        var q = new ObjectMapper().readTree(out.resolve("config.json").toFile()).get("quantization_config");
        assertEquals("compressed-tensors", q.get("quant_method").asText());
        assertEquals("pack-quantized", q.get("format").asText());
        var weights = q.get("config_groups").get("group_0").get("weights");
        assertEquals(4, weights.get("num_bits").asInt());
        assertEquals("group", weights.get("strategy").asText());
        assertEquals(32, weights.get("group_size").asInt());
        assertTrue(weights.get("symmetric").asBoolean());
        try (SafeTensorsFile file = SafeTensorsFile.open(out.resolve("model.safetensors"))) {
            assertEquals("I32", file.entry(Q_PROJ + ".weight_packed").dtype());
            assertEquals(List.of(64L, 8L), List.of(file.shape(Q_PROJ + ".weight_packed")[0], file.shape(Q_PROJ + ".weight_packed")[1]),
                    "64 columns of 4 bits in 8 int32 words per row");
            assertEquals(List.of(64L, 2L), List.of(file.shape(Q_PROJ + ".weight_scale")[0], file.shape(Q_PROJ + ".weight_scale")[1]));
            assertEquals(List.of(64L, 64L), List.of(file.longs(Q_PROJ + ".weight_shape")[0], file.longs(Q_PROJ + ".weight_shape")[1]));
        }
    }

    @Test
    void wrongScaleShapeIsACheckpointErrorNamingTensorAndField() throws IOException {
        Path out = quantized();
        rewriteTensors(out, t -> t.name().equals(Q_PROJ + ".weight_scale")
                ? new SafeTensorsWriter.Tensor(t.name(), t.dtype(), new long[] {128, 1}, t.data()) : t);
        VllavaException e = assertThrows(VllavaException.class, () -> Checkpoint.open(out).close());
        assertEquals(Failure.CHECKPOINT, e.failure());
        assertTrue(e.getMessage().contains(Q_PROJ + ".weight_scale: shape must be [64, 2]"), e.getMessage());
    }

    @Test
    void groupSizeThatDoesNotDivideTheInputWidthIsACheckpointError() throws IOException {
        Path out = quantized();
        editConfig(out, q -> ((ObjectNode) q.get("config_groups").get("group_0").get("weights")).put("group_size", 48));
        VllavaException e = assertThrows(VllavaException.class, () -> Checkpoint.open(out).close());
        assertEquals(Failure.CHECKPOINT, e.failure());
        assertTrue(e.getMessage().contains("group_size 48") && e.getMessage().contains("does not divide its 64 input columns"),
                e.getMessage());
    }

    @Test
    void unknownFormatIsACheckpointErrorNamingTheField() throws IOException {
        Path out = quantized();
        editConfig(out, q -> q.put("format", "marlin-24"));
        VllavaException e = assertThrows(VllavaException.class, () -> Checkpoint.open(out).close());
        assertEquals("config.json: quantization_config.format 'marlin-24' is not supported (expected pack-quantized or int-quantized)",
                e.getMessage());
    }

    @Test
    void unsupportedBitWidthIsACheckpointErrorNamingTheField() throws IOException {
        Path out = quantized();
        editConfig(out, q -> ((ObjectNode) q.get("config_groups").get("group_0").get("weights")).put("num_bits", 3));
        VllavaException e = assertThrows(VllavaException.class, () -> Checkpoint.open(out).close());
        assertEquals("config.json: quantization_config.config_groups.group_0.weights.num_bits 3 is not supported (expected 8 or 4)",
                e.getMessage());
    }

    @Test
    void packedWidthThatDisagreesWithTheBitsIsACheckpointError() throws IOException {
        Path out = quantized();
        editConfig(out, q -> ((ObjectNode) q.get("config_groups").get("group_0").get("weights")).put("num_bits", 8));
        VllavaException e = assertThrows(VllavaException.class, () -> Checkpoint.open(out).close());
        assertTrue(e.getMessage().contains(".weight_packed: shape must be [64, 16]"), e.getMessage());
    }

    /** A q4 copy of tiny-a. */
    private Path quantized() {
        Path out = dir.resolve("model");
        CheckpointQuantizer.quantize(TINY_A, out, new QuantScheme(4, 32), QuantTargets.LANGUAGE_LINEAR, done -> {});
        return out;
    }

    private static void editConfig(Path model, java.util.function.Consumer<ObjectNode> edit) throws IOException {
        ObjectMapper json = new ObjectMapper();
        ObjectNode config = (ObjectNode) json.readTree(model.resolve("config.json").toFile());
        edit.accept((ObjectNode) config.get("quantization_config"));
        Files.writeString(model.resolve("config.json"), config.toString());
    }

    private static void rewriteTensors(Path model, UnaryOperator<SafeTensorsWriter.Tensor> change) {
        Path file = model.resolve("model.safetensors");
        List<SafeTensorsWriter.Tensor> tensors = new ArrayList<>();
        try (SafeTensorsFile in = SafeTensorsFile.open(file)) {
            for (SafeTensorsFile.Entry e : in.entries()) {
                tensors.add(change.apply(new SafeTensorsWriter.Tensor(e.name(), e.dtype(), e.shape(), e.data().toArray(ValueLayout.JAVA_BYTE))));
            }
        }
        SafeTensorsWriter.write(file, Map.of(), tensors);
    }
}
