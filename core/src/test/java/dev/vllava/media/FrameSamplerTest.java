package dev.vllava.media;

import org.junit.jupiter.api.Test;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;

class FrameSamplerTest {
    @Test
    void eightOfSeventyFiveMatchesTheReferenceIndices() {
        assertArrayEquals(new int[] {0, 10, 21, 31, 42, 52, 63, 74}, FrameSampler.uniformIndices(75, 8));
    }

    @Test
    void fewerFramesThanRequestedRepeatIndicesAsLinspaceDoes() {
        assertArrayEquals(new int[] {0, 0, 1, 1, 2, 2, 3, 4}, FrameSampler.uniformIndices(5, 8));
        assertArrayEquals(new int[] {0, 0, 0, 0, 0, 0, 0, 0}, FrameSampler.uniformIndices(1, 8));
    }

    @Test
    void oneFrameIsTheFirstAndTheLastIsAlwaysIncluded() {
        assertArrayEquals(new int[] {0}, FrameSampler.uniformIndices(100, 1));
        assertArrayEquals(new int[] {0, 99}, FrameSampler.uniformIndices(100, 2));
    }

    @Test
    void floatRoundingFollowsNumpy() {
        // np.linspace(0, 29, 8).astype(int): 29/7 * 7 is exactly 29 only because the last value is set to stop.
        assertArrayEquals(new int[] {0, 4, 8, 12, 16, 20, 24, 29}, FrameSampler.uniformIndices(30, 8));
        // np.linspace(0, 1799, 8).astype(int)
        assertArrayEquals(new int[] {0, 257, 514, 771, 1028, 1285, 1542, 1799}, FrameSampler.uniformIndices(1800, 8));
    }
}
