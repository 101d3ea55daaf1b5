package dev.vllava.bench;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.vllava.checkpoint.CheckpointSchema;
import dev.vllava.checkpoint.DType;
import dev.vllava.checkpoint.TensorData;
import dev.vllava.checkpoint.TensorSpec;
import dev.vllava.checkpoint.quant.LoadQuantization;
import dev.vllava.checkpoint.quant.QuantScheme;
import dev.vllava.checkpoint.quant.QuantTargets;
import dev.vllava.config.VideoLlavaConfig;
import dev.vllava.engine.Tensor;
import dev.vllava.engine.cpu.CpuEngine;
import dev.vllava.model.KvCache;
import dev.vllava.model.LlamaDecoder;
import dev.vllava.model.VideoLlava;
import java.lang.foreign.Arena;
import java.util.ArrayList;
import java.util.List;
import java.util.function.Function;
import org.junit.jupiter.api.Test;

/**
 * {@code bench --synthetic P --weights q8|q4}: the tensors are those a quantized checkpoint of the F16
 * synthetic weights holds, so the bench runs (and costs) what such a checkpoint runs.
 */
class SyntheticQuantizedWeightsTest {

    private static LoadQuantization language(int bits, int group) {
        return new LoadQuantization(new QuantScheme(bits, group), QuantTargets.LANGUAGE_LINEAR);
    }

    @Test
    void everyTensorOfTheTinyPresetIsWhatQuantizingThePlainOneAtLoadGives() {
        VideoLlavaConfig config = SyntheticWeights.preset("tiny");
        for (LoadQuantization quantization : List.of(language(4, 32), language(8, 32), language(4, 8), language(8, 128))) {
            try (SyntheticWeights plain = new SyntheticWeights(config, DType.F16, 1);
                    SyntheticQuantizedWeights quantized = new SyntheticQuantizedWeights(plain, quantization);
                    Arena arena = Arena.ofShared()) {
                int quantizedCount = 0;
                for (TensorSpec spec : CheckpointSchema.expected(config)) {
                    TensorData expected = quantization.apply(plain.apply(spec.name()), arena);
                    assertSameTensor(expected, quantized.apply(spec.name()), quantization);
                    quantizedCount += expected.isQuantized() ? 1 : 0;
                }
                // 2 layers × q/k/v/o/gate/up/down; of tiny's widths (64, 128) groups of 128 divide only down_proj's
                assertEquals(quantization.scheme().groupSize() == 128 ? 2 : 14, quantizedCount, quantization.toString());
            }
        }
    }

    @Test
    void tensorsLongerThanTheTilingBlockWrapAroundItAtAnyGroupPhase() {
        // 4096 × 4096 weights are 8 blocks long; with groups of 128 a tensor's offset may fall inside a group.
        LoadQuantization quantization = language(4, 128);
        try (SyntheticWeights plain = new SyntheticWeights(SyntheticWeights.preset("7b"), DType.F16, 1);
                SyntheticQuantizedWeights quantized = new SyntheticQuantizedWeights(plain, quantization);
                Arena arena = Arena.ofShared()) {
            List<Long> phases = new ArrayList<>();
            for (String part : List.of("q", "k", "v", "o")) {
                String name = "language_model.model.layers.0.self_attn." + part + "_proj.weight";
                phases.add(plain.tiling(name).offset() / 2 % 128);
                assertSameTensor(quantization.apply(plain.apply(name), arena), quantized.apply(name), quantization);
            }
            assertTrue(phases.stream().anyMatch(phase -> phase != 0), "a tensor starts inside a group: phases " + phases);
        }
    }

    @Test
    void theQuantizedLayersAreMadeWithoutTheirPlainValues() {
        try (SyntheticWeights plain = new SyntheticWeights(SyntheticWeights.preset("7b"), DType.F16, 1);
                SyntheticQuantizedWeights quantized = new SyntheticQuantizedWeights(plain, language(4, 32))) {
            TensorData up = quantized.apply("language_model.model.layers.3.mlp.up_proj.weight");
            assertTrue(up.isQuantized());
            assertEquals(0, plain.bytes(), "no F16 tensor was made");
            long codesAndScales = 11008L * 4096 / 2 + 11008L * 4096 / 32 * 2;
            assertTrue(quantized.bytes() >= codesAndScales && quantized.bytes() < codesAndScales + (4L << 20),
                    "the codes and scales, and one quantized block of 2^21 values: " + quantized.bytes());
            assertNull(quantized.apply("no.such.tensor"));
        }
    }

    @Test
    void tinyQ4DecodesExactlyAsQuantizingThePlainWeightsAtLoad() {
        VideoLlavaConfig config = SyntheticWeights.preset("tiny");
        LoadQuantization q4 = language(4, 32);
        int[] prompt = {5, 17, 250, 999, 3, 64, 128, 700};
        try (SyntheticWeights plain = new SyntheticWeights(config, DType.F16, 1);
                SyntheticQuantizedWeights quantized = new SyntheticQuantizedWeights(plain, q4)) {
            List<float[]> fromCheckpointLayout = greedyLogits(config, quantized, new CpuEngine(2), prompt, 12);
            long targetBytes = CheckpointSchema.expected(config).stream().filter(spec -> q4.quantizes(spec.name(), spec.shape()))
                    .mapToLong(spec -> spec.elementCount() * 2).sum();
            long allBytes = CheckpointSchema.expected(config).stream().mapToLong(spec -> spec.elementCount() * 2).sum();
            assertTrue(plain.bytes() <= allBytes - targetBytes, "no F16 value of a quantized layer was made: " + plain.bytes());
            List<float[]> quantizedAtLoad = greedyLogits(config, plain, new CpuEngine(2, q4), prompt, 12);
            for (int step = 0; step < fromCheckpointLayout.size(); step++) {
                assertArrayEquals(quantizedAtLoad.get(step), fromCheckpointLayout.get(step),
                        "the same codes and scales, the same kernels: logits equal bit for bit at step " + step);
            }
        }
    }

    @Test
    void refusesAGroupThatDoesNotDivideTheTilingBlock() {
        try (SyntheticWeights plain = new SyntheticWeights(SyntheticWeights.preset("tiny"), DType.F16, 1)) {
            assertThrows(IllegalArgumentException.class, () -> new SyntheticQuantizedWeights(plain, language(4, 24)));
        }
    }

    /** Logits of the prompt's prefill and of {@code steps} greedy decode steps after it. */
    private static List<float[]> greedyLogits(VideoLlavaConfig config, Function<String, TensorData> tensors, CpuEngine engine,
                                              int[] prompt, int steps) {
        List<float[]> logits = new ArrayList<>();
        try (engine; VideoLlava model = VideoLlava.load(config, tensors, engine)) {
            LlamaDecoder decoder = model.decoder();
            try (KvCache cache = decoder.newKvCache(prompt.length + steps); Tensor embeddings = decoder.embed(prompt)) {
                float[] last = engine.download(decoder.prefill(embeddings, cache));
                logits.add(last);
                for (int step = 0; step < steps; step++) {
                    last = engine.download(decoder.decodeStep(argmax(last), cache));
                    logits.add(last);
                }
            }
        }
        return logits;
    }

    private static int argmax(float[] values) {
        int best = 0;
        for (int i = 1; i < values.length; i++) {
            best = values[i] > values[best] ? i : best;
        }
        return best;
    }

    private static void assertSameTensor(TensorData expected, TensorData actual, LoadQuantization quantization) {
        String what = expected.name() + " at " + quantization;
        assertEquals(expected.isQuantized(), actual.isQuantized(), what);
        assertEquals(expected.dtype(), actual.dtype(), what);
        assertArrayEquals(expected.shape(), actual.shape(), what);
        assertEquals(-1, expected.data().mismatch(actual.data()), "codes (or values) of " + what);
        if (expected.isQuantized()) {
            assertEquals(expected.quantized().bits(), actual.quantized().bits(), what);
            assertEquals(expected.quantized().groupSize(), actual.quantized().groupSize(), what);
            assertEquals(-1, expected.quantized().scales().mismatch(actual.quantized().scales()), "scales of " + what);
        }
    }
}
