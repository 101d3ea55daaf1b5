package dev.vllava.cuda;

import static org.junit.jupiter.api.Assertions.assertEquals;

import dev.vllava.engine.Tensor;
import dev.vllava.model.GoldenData;
import dev.vllava.model.KvCache;
import dev.vllava.model.LlamaDecoder;
import dev.vllava.model.VideoLlava;
import org.junit.jupiter.api.Tag;
import org.junit.jupiter.api.Test;

/** The real decoder on the GPU takes no arena block per step once loaded: its workspace and the engine's scratch are reused. */
@Tag("gpu")
class CudaWorkspaceGpuTest {

    @Test
    void aDecodeLoopTakesNoArenaBlock() {
        CudaEngine engine = Gpu.engine();
        GoldenData golden = GoldenData.tinyA();
        try (VideoLlava model = VideoLlava.load(golden.config(), golden.modelTensors(), engine)) {
            LlamaDecoder decoder = model.decoder();
            try (KvCache cache = decoder.newKvCache(600); Tensor prompt = decoder.embed(new int[] {1, 5, 6, 7})) {
                decoder.prefill(prompt, cache);
                // Past 128 keys decode attention turns split-K: its first call sizes the partials for any context.
                while (cache.length() < 140) {
                    decoder.decodeStep(cache.length() % 100 + 2, cache);
                }
                long taken = engine.arena().blocksTaken();
                long used = engine.arena().usedBytes();
                while (cache.length() < 520) {  // more splits as the context grows, in the same scratch
                    decoder.decodeStep(cache.length() % 100 + 2, cache);
                }
                engine.synchronize();
                assertEquals(taken, engine.arena().blocksTaken(), "no arena block taken per decode step");
                assertEquals(used, engine.arena().usedBytes());
            }
        } finally {
            golden.close();
        }
    }
}
