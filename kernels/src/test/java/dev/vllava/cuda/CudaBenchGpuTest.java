package dev.vllava.cuda;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.vllava.bench.ModelBench;
import dev.vllava.bench.SyntheticWeights;
import dev.vllava.checkpoint.DType;
import dev.vllava.config.TextConfig;
import dev.vllava.config.VideoLlavaConfig;
import dev.vllava.config.VisionConfig;
import org.junit.jupiter.api.Tag;
import org.junit.jupiter.api.Test;

/** The bench end to end through the real model at a small shape (the 7B run is the gpu-check script's job). */
@Tag("gpu")
class CudaBenchGpuTest {

    @Test
    void syntheticBenchRunsTheModelAtASmallShapeAndReportsEveryStage() {
        VisionConfig vision = new VisionConfig(64, 128, 3, 4, 3, 56, 14, "quick_gelu", 1e-5);
        TextConfig text = new TextConfig(1000, 128, 256, 2, 4, 2, 32, "silu", 4096, 1e-5, 10000.0, false, false, false);
        VideoLlavaConfig config = new VideoLlavaConfig(vision, text, 998, 999, 997, "gelu", -2, "default", 16, 136);
        CudaBench.Report report;
        try (SyntheticWeights weights = new SyntheticWeights(config, DType.F16, 1)) {
            report = CudaBench.run(Gpu.engine(), config, weights, new ModelBench.Options(8, 8 * 17 + 12, 8), System.out::println);
        }
        System.out.println(CudaBench.toJson(report));
        assertTrue(report.visionMs() > 0 && report.ttftMs() >= report.visionMs(), report.toString());
        assertTrue(report.prefillMs() > 0 && report.decodeMsPerToken() > 0, report.toString());
        assertEquals(8 * 17 + 12 + 2, report.decodeContext(), "prompt + the untimed warm-up steps");
        assertTrue(report.copyGBs() > 10 && report.gemmF16Tflops() > 1, report.toString());
    }
}
