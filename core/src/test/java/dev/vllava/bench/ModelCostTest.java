package dev.vllava.bench;

import static org.junit.jupiter.api.Assertions.assertEquals;

import dev.vllava.checkpoint.SyntheticCheckpoint;
import org.junit.jupiter.api.Test;

/** The FLOP and byte accounting for the Video-LLaVA-7B shape, against numbers worked out by hand. */
class ModelCostTest {
    private static final ModelCost F16_7B = new ModelCost(SyntheticCheckpoint.VIDEO_LLAVA_7B, 2);

    // Vicuna-7B (vocabulary 32064): 32 × (4·4096² + 3·4096·11008 + 2·4096) + 2·32064·4096 + 4096 = 6,738,939,904
    // parameters; the embedding table (32064·4096 = 131,334,144) is only gathered during decode.
    private static final long LLM_PARAMS = 6_738_939_904L;
    private static final long EMBED_PARAMS = 131_334_144L;

    @Test
    void decodeReadsEveryLanguageModelWeightButTheEmbeddingTable() {
        assertEquals(LLM_PARAMS - EMBED_PARAMS, F16_7B.decodeWeightElements());
        // 2 bytes × 6,607,605,760 = 13,215,211,520 bytes (12.3 GiB) per token in F16.
        assertEquals(13_215_211_520L, F16_7B.decodeWeightBytesPerToken());
        assertEquals(2 * 13_215_211_520L, new ModelCost(SyntheticCheckpoint.VIDEO_LLAVA_7B, 4).decodeWeightBytesPerToken());
    }

    @Test
    void kvCacheBytesAreF32KeysAndValuesOfEveryLayer() {
        // 32 layers × (k + v) × 4096 columns × 4 bytes = 1 MiB per cached position.
        assertEquals(1_048_576L, F16_7B.kvBytesRead(1));
        // Steps after 128 cached tokens attend to 129, 130, ... 136 keys: a mean of 132.5 positions.
        assertEquals(Math.round(1_048_576L * 132.5), F16_7B.meanDecodeKvBytes(128, 8));
    }

    @Test
    void visionFlopsPerFrameOfTheVideoTowerAndProjector() {
        // 257 tokens (16 × 16 patches + CLS), CLIP-L hidden 1024, MLP 4096, 23 of 24 layers used, projector 1024→4096→4096:
        // patch embedding 2·257·588·1024                     =    309,485,568
        // per layer matmuls 2·257·(4·1024² + 2·1024·4096)     =  6,467,616,768 (× 23)
        // per layer attention 4·257²·1024                     =    270,536,704 (× 23)
        // projector 2·257·(1024·4096 + 4096²)                 = 10,779,361,280
        assertEquals(166_066_376_704.0, F16_7B.visionFlopsPerFrame(), 0.5);
    }

    @Test
    void prefillFlopsCountMatmulsCausalAttentionAndOneLmHeadRow() {
        // per layer weights 3·4096² + 4096² + 3·4096·11008 = 202,375,168;
        // 128 tokens: 32 × (2·128·202,375,168 + 4·4096·(128·129/2)) + 2·4096·32064 = 1,662,448,566,272
        assertEquals(202_375_168L, F16_7B.llmLayerMatmulParams());
        assertEquals(1_662_448_566_272.0, F16_7B.prefillFlops(128, 0), 0.5);
        // the real video prompt: 2056 visual + 40 text tokens
        assertEquals(28_299_881_873_408.0, F16_7B.prefillFlops(2096, 0), 0.5);
    }

    @Test
    void aDecodeStepIsAOneTokenPrefillAfterTheCache() {
        double expected = 32 * (2.0 * 202_375_168L + 4.0 * 4096 * 101) + 2.0 * 4096 * 32064;
        assertEquals(expected, F16_7B.decodeFlops(100), 0.5);
    }
}
