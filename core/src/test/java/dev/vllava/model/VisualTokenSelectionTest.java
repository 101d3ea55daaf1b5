package dev.vllava.model;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;

import org.junit.jupiter.api.Test;

class VisualTokenSelectionTest {

    @Test
    void keepsTheHighestScoresInTheirOriginalOrder() {
        float[] scores = {0.1f, 0.5f, 0.05f, 0.3f, 0.05f};
        assertArrayEquals(new int[] {1, 3}, VisualTokenSelection.keptPatches(scores, 2));
        assertArrayEquals(new int[] {0, 1, 3}, VisualTokenSelection.keptPatches(scores, 3));
    }

    @Test
    void equalScoresKeepTheLowerPatchIndex() {
        float[] scores = {0.2f, 0.4f, 0.2f, 0.2f, 0.4f};
        assertArrayEquals(new int[] {1, 4}, VisualTokenSelection.keptPatches(scores, 2), "a tie for first: both kept");
        assertArrayEquals(new int[] {0, 1, 4}, VisualTokenSelection.keptPatches(scores, 3), "of three equal 0.2s the first wins");
        assertArrayEquals(new int[] {0, 1, 2, 4}, VisualTokenSelection.keptPatches(scores, 4));
    }

    @Test
    void keepingEveryPatchKeepsThemAllInOrder() {
        float[] scores = {0.9f, 0.1f, 0.5f};
        assertArrayEquals(new int[] {0, 1, 2}, VisualTokenSelection.keptPatches(scores, 3));
    }
}
