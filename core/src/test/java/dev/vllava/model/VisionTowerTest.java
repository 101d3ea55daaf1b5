package dev.vllava.model;

import static org.junit.jupiter.api.Assertions.assertEquals;

import dev.vllava.engine.Engine;
import dev.vllava.engine.Tensor;
import dev.vllava.engine.cpu.CpuEngine;
import org.junit.jupiter.api.Test;

/** The vision tower's workspace: one frame's activations, allocated with the tower. */
class VisionTowerTest {
    private static final int FRAMES = 8;

    @Test
    void encodingAVideoAllocatesOnlyItsResultAndItsPatchRows() {
        GoldenData golden = GoldenData.tinyA();
        try (Engine cpu = new CpuEngine(2)) {
            CountingEngine counting = new CountingEngine(cpu);
            VisionTower tower = new VisionTower(counting.engine(), golden.config().vision(),
                    new CheckpointTensors(golden.modelTensors(), "video_tower.vision_model."), golden.config().visionLayersUsed());
            counting.takeAllocations();
            float[] pixels = golden.floats("videos.clip.pixel_values_videos");
            try (Tensor hidden = tower.encode(pixels, FRAMES)) {
                assertEquals(2, counting.takeAllocations(), "the result and the uploaded patch rows, whatever the frame count");
            }
            tower.close();
        } finally {
            golden.close();
        }
    }
}
