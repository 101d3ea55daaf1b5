package dev.vllava.cuda;

import static dev.vllava.cuda.TestTensors.assertClose;
import static dev.vllava.cuda.TestTensors.gaussian;
import static org.junit.jupiter.api.Assertions.assertEquals;

import dev.vllava.engine.AttentionShape;
import dev.vllava.engine.Engine;
import dev.vllava.engine.Tensor;
import dev.vllava.engine.cpu.CpuEngine;
import dev.vllava.model.GoldenData;
import dev.vllava.model.VideoLlava;
import dev.vllava.model.VisualTokenBudget;
import java.util.Random;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Tag;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.TestInstance;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.CsvSource;

/**
 * {@code attentionProbabilities} (attention_probs.cu) against the CPU engine, and visual token reduction
 * on tiny-a end to end on both engines. Skipped where there is no usable GPU.
 */
@Tag("gpu")
@TestInstance(TestInstance.Lifecycle.PER_CLASS)
class AttentionProbabilitiesGpuTest {
    private CpuEngine cpu;
    private CudaEngine gpu;
    private final Random random = new Random(11);

    @BeforeAll
    void engines() {
        gpu = Gpu.engine();
        cpu = new CpuEngine(Math.max(1, Runtime.getRuntime().availableProcessors()));
    }

    @AfterAll
    void closeCpu() {
        if (cpu != null) {
            cpu.close();
        }
    }

    @ParameterizedTest(name = "row {0} of {1} keys, {2}/{3} heads × {4}, causal {5} at offset {6}")
    @CsvSource({"0,257,16,16,64,false,0", "0,257,4,4,8,false,0", "100,257,16,16,64,false,0", "0,1,2,2,16,false,0",
            "3,40,8,2,128,true,30", "0,600,4,4,80,false,0"})
    void probabilitiesMatchTheCpuEngine(int row, int keys, int heads, int kvHeads, int headDim, boolean causal, int offset) {
        AttentionShape shape = new AttentionShape(heads, kvHeads, headDim, causal, offset);
        int queries = Math.max(row + 1, causal ? keys - offset : keys);
        float[] q = gaussian(random, queries * 3 * heads * headDim, 1.0);
        float[] k = gaussian(random, keys * 2 * kvHeads * headDim, 1.0);
        float[] expected = probabilities(cpu, q, k, queries, keys, row, shape);
        float[] actual = probabilities(gpu, q, k, queries, keys, row, shape);
        // FP32 on both; exp and the sums in another order: probabilities agree to a few ulps of 1
        assertClose(expected, actual, 1e-6, 1e-5, "attention probabilities " + shape);
    }

    /** q and k as column views of wider tensors, as the vision tower slices its qkv projection. */
    private static float[] probabilities(Engine engine, float[] qValues, float[] kValues, int queries, int keys, int row,
                                         AttentionShape shape) {
        int qWidth = shape.heads() * shape.headDim();
        int kWidth = shape.kvHeads() * shape.headDim();
        try (Tensor q = engine.upload(qValues, queries, 3 * qWidth);
                Tensor k = engine.upload(kValues, keys, 2 * kWidth);
                Tensor out = engine.allocate(shape.heads(), keys)) {
            engine.attentionProbabilities(out, q.columnSlice(qWidth, qWidth), k.columnSlice(kWidth, kWidth), row, shape);
            return engine.download(out);
        }
    }

    @Test
    void reducedVideoFeaturesMatchTheCpuEngine() {
        try (GoldenData golden = GoldenData.tinyA();
                VideoLlava onCpu = VideoLlava.load(golden.config(), golden.modelTensors(), cpu, VisualTokenBudget.parse("25%"));
                VideoLlava onGpu = VideoLlava.load(golden.config(), golden.modelTensors(), gpu, VisualTokenBudget.parse("25%"))) {
            float[] pixels = golden.floats("videos.clip.pixel_values_videos");
            try (Tensor expected = onCpu.videoFeatures(pixels, 8); Tensor actual = onGpu.videoFeatures(pixels, 8)) {
                assertEquals(8 * 65, actual.rows(), "[CLS] + 64 of 256 patches per frame");
                // the same rows kept (the nearest tie on tiny-a is 6e-6 apart, far above the engines' 1e-7),
                // then the tolerance of the full-feature comparison in TinyModelGpuTest
                assertClose(cpu.download(expected), gpu.download(actual), 1e-4, 1e-4, "reduced video features");
            }
        }
    }
}
