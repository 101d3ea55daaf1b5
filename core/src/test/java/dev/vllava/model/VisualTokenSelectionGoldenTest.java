package dev.vllava.model;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.vllava.config.VideoLlavaConfig;
import dev.vllava.config.VisionConfig;
import dev.vllava.engine.Engine;
import dev.vllava.engine.Tensor;
import dev.vllava.engine.cpu.CpuEngine;
import java.util.Arrays;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.TestInstance;

/**
 * Visual token reduction on tiny-a against an independent computation: {@link PlainClsAttention}
 * (plain loops over the checkpoint and the reference's pixel values) gives each frame's [CLS]
 * attention at the feature layer; its top patches, picked by a plain scan, index the rows of the
 * reference's projector output that the reduced features must equal. Tolerances: attention 1e-6
 * (FP32 vs double through a 588-term patch convolution and two layer norms; 1.3e-7 seen on values
 * up to 0.12); features 1e-4 as in {@link VideoLlavaGoldenTest}.
 */
@TestInstance(TestInstance.Lifecycle.PER_CLASS)
class VisualTokenSelectionGoldenTest {
    private static final int FRAMES = 8;
    private static final double ATTENTION_TOLERANCE = 1e-6;
    private static final double FEATURE_TOLERANCE = 1e-4;

    private GoldenData golden;
    private Engine engine;
    private VideoLlavaConfig config;

    @BeforeAll
    void open() {
        golden = GoldenData.tinyA();
        engine = new CpuEngine(2);
        config = golden.config();
        assertEquals(1, config.visionLayersUsed(), "tiny-a's feature layer is its first encoder layer (what PlainClsAttention computes)");
    }

    @AfterAll
    void close() {
        engine.close();
        golden.close();
    }

    @Test
    void towerClsAttentionMatchesThePlainComputation() {
        float[] pixels = golden.floats("videos.clip.pixel_values_videos");
        VideoLlava model = VideoLlava.load(config, golden.modelTensors(), engine);
        float[][] clsAttention = new float[FRAMES][];
        try (Tensor hidden = model.videoTower().encode(pixels, FRAMES, clsAttention)) {
            assertArrayEquals(golden.floats("videos.clip.video_tower_hidden_states_m2"), engine.download(hidden), 1e-4f,
                    "asking for the attention leaves the hidden states unchanged");
        }
        PlainClsAttention plain = plain("video_tower");
        for (int frame = 0; frame < FRAMES; frame++) {
            double[] expected = plain.frame(pixels, frame);
            for (int j = 0; j < expected.length; j++) {
                assertEquals(expected[j], clsAttention[frame][j], ATTENTION_TOLERANCE, "frame " + frame + " token " + j);
            }
        }
    }

    @Test
    void videoKeepsEachFramesClassTokenAndItsTopQuarterOfPatchesInOrder() {
        float[] pixels = golden.floats("videos.clip.pixel_values_videos");
        int patches = config.vision().tokensPerImage() - 1;
        int kept = patches / 4;
        float[] reference = golden.floats("videos.clip.projector_out"); // [8, 257, Dt]
        int width = config.text().hiddenSize();
        PlainClsAttention plain = plain("video_tower");
        try (VideoLlava model = VideoLlava.load(config, golden.modelTensors(), engine, VisualTokenBudget.parse("25%"));
                Tensor features = model.videoFeatures(pixels, FRAMES)) {
            assertEquals(FRAMES * (1 + kept), features.rows(), "[CLS] + 64 patches per frame");
            float[] actual = engine.download(features);
            for (int frame = 0; frame < FRAMES; frame++) {
                int[] top = topPatches(plain.frame(pixels, frame), kept);
                int[] tokens = new int[1 + kept];
                for (int i = 0; i < kept; i++) {
                    tokens[1 + i] = 1 + top[i];
                }
                for (int r = 0; r < tokens.length; r++) {
                    int row = frame * (1 + kept) + r;
                    assertArrayEquals(
                            Arrays.copyOfRange(reference, (frame * (patches + 1) + tokens[r]) * width, (frame * (patches + 1) + tokens[r] + 1) * width),
                            Arrays.copyOfRange(actual, row * width, (row + 1) * width), (float) FEATURE_TOLERANCE,
                            "frame " + frame + " kept row " + r + " = reference token " + tokens[r]);
                }
            }
        }
    }

    @Test
    void imageKeepsItsTopTenPatchesWithoutTheClassToken() {
        float[] pixels = golden.floats("images.pic.pixel_values_images");
        float[] reference = golden.floats("images.pic.projector_out"); // [1, 256, Dt]: CLS already dropped
        int width = config.text().hiddenSize();
        int[] top = topPatches(plain("image_tower").frame(pixels, 0), 10);
        try (VideoLlava model = VideoLlava.load(config, golden.modelTensors(), engine, VisualTokenBudget.parse("10"));
                Tensor features = model.imageFeatures(pixels, 1)) {
            assertEquals(10, features.rows());
            float[] actual = engine.download(features);
            for (int r = 0; r < top.length; r++) {
                assertArrayEquals(Arrays.copyOfRange(reference, top[r] * width, (top[r] + 1) * width),
                        Arrays.copyOfRange(actual, r * width, (r + 1) * width), (float) FEATURE_TOLERANCE,
                        "kept row " + r + " = reference patch " + top[r]);
            }
        }
    }

    private PlainClsAttention plain(String tower) {
        VisionConfig vision = config.vision();
        return new PlainClsAttention(golden.modelTensors(), tower, vision.hiddenSize(), vision.numAttentionHeads(),
                vision.patchSize(), vision.imageSize(), vision.layerNormEps());
    }

    /**
     * The {@code kept} patches with the highest attention (token 0, [CLS], is not a candidate), in
     * patch order, by repeated scans for the maximum (the first one on ties). The k-th and (k+1)-th
     * scores must differ by more than twice the attention tolerance, or the test would depend on rounding.
     */
    private static int[] topPatches(double[] attention, int kept) {
        double[] scores = Arrays.copyOfRange(attention, 1, attention.length);
        boolean[] taken = new boolean[scores.length];
        double last = 0;
        for (int n = 0; n <= kept; n++) {
            int best = -1;
            for (int p = 0; p < scores.length; p++) {
                if (!taken[p] && (best < 0 || scores[p] > scores[best])) {
                    best = p;
                }
            }
            if (n == kept) {
                assertTrue(last - scores[best] > 2 * ATTENTION_TOLERANCE, // each side may be off by the tolerance
                        "the cut between kept and dropped is clear: " + last + " vs " + scores[best]);
                break;
            }
            taken[best] = true;
            last = scores[best];
        }
        int[] top = new int[kept];
        int i = 0;
        for (int p = 0; p < scores.length; p++) {
            if (taken[p]) {
                top[i++] = p;
            }
        }
        return top;
    }
}
