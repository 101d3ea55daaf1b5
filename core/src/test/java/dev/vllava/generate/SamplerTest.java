package dev.vllava.generate;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNotEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.vllava.VllavaException;
import dev.vllava.engine.Engine;
import dev.vllava.engine.Tensor;
import dev.vllava.engine.cpu.CpuEngine;
import java.util.Arrays;
import java.util.HashSet;
import java.util.Set;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.TestInstance;

@TestInstance(TestInstance.Lifecycle.PER_CLASS)
class SamplerTest {
    private static final float[] LOGITS = {1.0f, 3.0f, 2.5f, -1.0f, 2.9f, 0.0f};

    private Engine engine;
    private Tensor logits;

    @BeforeAll
    void setUp() {
        engine = new CpuEngine(1);
        logits = engine.upload(LOGITS, 1, LOGITS.length);
    }

    @AfterAll
    void tearDown() {
        engine.close();
    }

    @Test
    void greedyPicksTheLargestLogit() {
        assertEquals(1, new Sampler(engine, SamplingOptions.GREEDY).next(logits));
    }

    @Test
    void sameSeedGivesTheSameSequence() {
        SamplingOptions options = new SamplingOptions(1.0, 0, 1.0, 42);
        assertEquals(Arrays.toString(draws(options, 50)), Arrays.toString(draws(options, 50)));
    }

    @Test
    void differentSeedsGiveDifferentSequences() {
        assertNotEquals(Arrays.toString(draws(new SamplingOptions(1.0, 0, 1.0, 1), 50)),
                Arrays.toString(draws(new SamplingOptions(1.0, 0, 1.0, 2), 50)));
    }

    @Test
    void topKKeepsOnlyTheBestK() {
        Set<Integer> seen = new HashSet<>();
        for (int id : draws(new SamplingOptions(5.0, 2, 1.0, 7), 200)) {
            seen.add(id);
        }
        assertEquals(Set.of(1, 4), seen, "a high temperature would reach every id without the top-k cut");
    }

    @Test
    void topPKeepsTheSmallestSetReachingP() {
        // softmax of LOGITS: ids 1, 4, 2 hold about 0.36, 0.33, 0.22; top_p 0.5 keeps {1, 4}
        Set<Integer> seen = new HashSet<>();
        for (int id : draws(new SamplingOptions(1.0, 0, 0.5, 3), 200)) {
            seen.add(id);
        }
        assertEquals(Set.of(1, 4), seen);
    }

    @Test
    void tinyTopPIsGreedy() {
        for (int id : draws(new SamplingOptions(1.0, 0, 1e-6, 3), 20)) {
            assertEquals(1, id);
        }
    }

    @Test
    void lowTemperatureConcentratesOnTheBest() {
        int best = 0;
        for (int id : draws(new SamplingOptions(0.05, 0, 1.0, 9), 100)) {
            best += id == 1 ? 1 : 0;
        }
        assertTrue(best >= 80, "temperature 0.05 makes a 0.1 logit gap a factor e^2 ≈ 7.4; got " + best + "/100");
    }

    @Test
    void invalidOptionsAreUsageErrors() {
        assertThrows(VllavaException.class, () -> new SamplingOptions(-1, 0, 1, 0));
        assertThrows(VllavaException.class, () -> new SamplingOptions(1, -1, 1, 0));
        assertThrows(VllavaException.class, () -> new SamplingOptions(1, 0, 0, 0));
    }

    private int[] draws(SamplingOptions options, int count) {
        Sampler sampler = new Sampler(engine, options);
        int[] ids = new int[count];
        for (int i = 0; i < count; i++) {
            ids[i] = sampler.next(logits);
        }
        return ids;
    }

    @Test
    void aNonFiniteLogitIsACheckpointErrorNotAToken() {
        for (float bad : new float[] {Float.NaN, Float.POSITIVE_INFINITY, Float.NEGATIVE_INFINITY}) {
            Tensor poisoned = engine.upload(new float[] {0.5f, bad, 0.25f}, 1, 3);
            for (SamplingOptions options : new SamplingOptions[] {SamplingOptions.GREEDY, new SamplingOptions(1.0, 0, 1.0, 7)}) {
                dev.vllava.VllavaException e = org.junit.jupiter.api.Assertions.assertThrows(dev.vllava.VllavaException.class,
                        () -> new Sampler(engine, options).next(poisoned));
                org.junit.jupiter.api.Assertions.assertEquals(dev.vllava.Failure.CHECKPOINT, e.failure());
                org.junit.jupiter.api.Assertions.assertTrue(e.getMessage().contains("non-finite logit (" + bad + " for token id 1)"), e.getMessage());
            }
        }
    }
}
