package dev.vllava.model;

import static org.junit.jupiter.api.Assertions.assertEquals;

import dev.vllava.engine.Engine;
import dev.vllava.engine.Tensor;
import dev.vllava.engine.cpu.CpuEngine;
import org.junit.jupiter.api.Test;

/** The vision tower's workspace: kept with the tower, sized by its largest pass. */
class VisionTowerTest {
    private static final int FRAMES = 8;

    @Test
    void encodingAnotherVideoAllocatesOnlyItsResultAndItsPatchRows() {
        GoldenData golden = GoldenData.tinyA();
        try (Engine cpu = new CpuEngine(2)) {
            CountingEngine counting = new CountingEngine(cpu);
            VisionTower tower = new VisionTower(counting.engine(), golden.config().vision(),
                    new CheckpointTensors(golden.modelTensors(), "video_tower.vision_model."), golden.config().visionLayersUsed());
            counting.takeAllocations();
            float[] pixels = golden.floats("videos.clip.pixel_values_videos");
            try (Tensor first = tower.encode(pixels, FRAMES)) {
                assertEquals(2 + 5, counting.takeAllocations(), "the first pass also sizes the workspace: normed, qkv, context, delta, MLP rows");
            }
            try (Tensor again = tower.encode(pixels, FRAMES)) {
                assertEquals(2, counting.takeAllocations(), "the result and the uploaded patch rows");
            }
            tower.close();
        } finally {
            golden.close();
        }
    }
}
