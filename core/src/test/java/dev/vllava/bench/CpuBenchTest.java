package dev.vllava.bench;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNotNull;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.vllava.checkpoint.DType;
import dev.vllava.config.VideoLlavaConfig;
import java.util.ArrayList;
import java.util.List;
import org.junit.jupiter.api.Test;

/** The CPU bench end to end on the tiny preset: every stage measured, every figure positive and consistent. */
class CpuBenchTest {

    @Test
    void tinyPresetReportsEveryStageAgainstTheMeasuredLimits() {
        VideoLlavaConfig config = SyntheticWeights.preset("tiny");
        List<String> progress = new ArrayList<>();
        BenchReport report;
        try (SyntheticWeights weights = new SyntheticWeights(config, DType.F16, 3)) {
            report = CpuBench.run(new CpuBench.WeightSource("synthetic tiny", config, weights, DType.F16, weights::bytes), 2,
                    new ModelBench.Options(2, 20, 3), 16L << 20, progress::add);
        }
        assertEquals("cpu", report.backend());
        assertTrue(report.limits().bandwidthGBps() > 0 && report.limits().peakGflops() > 0, report.limits().toString());
        assertEquals(2, report.vision().frames());
        assertEquals(2 * 257, report.vision().tokens(), "video frames keep their CLS token");
        assertTrue(report.vision().ms() > 0 && report.vision().fractionOfPeak() > 0, report.vision().toString());
        assertEquals(20, report.prefill().tokens());
        assertTrue(report.prefill().tokensPerSecond() > 0 && report.prefill().achievedGflops() > 0, report.prefill().toString());
        assertNull(report.prefill().ttftMs(), "the CPU bench does not time vision and prefill as one run");
        assertEquals(3, report.decode().tokens());
        assertEquals(20 + ModelBench.DECODE_WARMUP, report.decode().context(), "timed steps follow the warm-up steps");
        assertTrue(report.decode().msPerToken() > 0 && report.decode().fractionOfBandwidth() > 0, report.decode().toString());
        assertTrue(report.memory().enginePeakBytes() > 0 && report.memory().heapPeakBytes() > 0, report.memory().toString());
        assertNotNull(report.memory().weightBytes());
        assertTrue(progress.size() >= 4, "a progress line per stage: " + progress);
    }

    @Test
    void sevenBVideoBenchMakesAllButTheImageTower() {
        // Vicuna-7B 6,738,939,904 + CLIP ViT-L/14 303,179,776 + projector 20,979,712 parameters, 2 bytes each.
        try (SyntheticWeights weights = new SyntheticWeights(SyntheticWeights.preset("7b"), DType.F16, 1)) {
            assertEquals(2 * (6_738_939_904L + 303_179_776L + 20_979_712L), weights.bytesForVideo());
            assertEquals(0, weights.bytes(), "nothing is made before the model asks");
        }
    }

    @Test
    void syntheticWeightsAreMadeOnlyWhenAsked() {
        try (SyntheticWeights weights = new SyntheticWeights(SyntheticWeights.preset("tiny"), DType.F16, 1)) {
            assertEquals(0, weights.bytes());
            assertNull(weights.apply("no.such.tensor"));
            var head = weights.apply("language_model.lm_head.weight");
            assertEquals(1024L * 64 * 2, weights.bytes());
            assertEquals(head, weights.apply("language_model.lm_head.weight"), "made once");
        }
    }
}
