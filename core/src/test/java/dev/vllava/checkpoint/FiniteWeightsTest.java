package dev.vllava.checkpoint;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.lang.foreign.Arena;
import java.lang.foreign.MemorySegment;
import java.lang.foreign.ValueLayout;
import org.junit.jupiter.api.Test;

/** The load-time scan finds NaN and infinities by their bits in every dtype, and checks only the cheap, decisive tensors. */
class FiniteWeightsTest {
    private static MemorySegment halves(short... values) {
        MemorySegment segment = Arena.ofAuto().allocate(2L * values.length);
        for (int i = 0; i < values.length; i++) {
            segment.set(ValueLayout.JAVA_SHORT_UNALIGNED, 2L * i, values[i]);
        }
        return segment;
    }

    @Test
    void findsTheFirstNaNOrInfinityOfEachDtype() {
        assertEquals(2, FiniteWeights.firstNonFinite(DType.F16, halves((short) 0x3c00, (short) 0x7bff, (short) 0x7c00), 3),
                "F16 65504 is finite, 0x7c00 is +Inf");
        assertEquals(1, FiniteWeights.firstNonFinite(DType.F16, halves((short) 0, (short) 0xfe00), 2), "F16 NaN with the sign set");
        assertEquals(1, FiniteWeights.firstNonFinite(DType.BF16, halves((short) 0x3f80, (short) 0x7fc0), 2), "BF16 NaN");
        assertEquals(-1, FiniteWeights.firstNonFinite(DType.BF16, halves((short) 0x7f7f, (short) 0x0001), 2), "BF16 max and a subnormal are finite");
        MemorySegment floats = Arena.ofAuto().allocateFrom(ValueLayout.JAVA_FLOAT, 1f, Float.MAX_VALUE, Float.NEGATIVE_INFINITY);
        assertEquals(2, FiniteWeights.firstNonFinite(DType.F32, floats, 3));
    }

    @Test
    void checksNormsBiasesEmbeddingsAndTheProjectorOnly() {
        for (String name : new String[] {"language_model.model.norm.weight", "video_tower.vision_model.pre_layrnorm.weight",
                "image_tower.vision_model.encoder.layers.0.mlp.fc1.bias", "language_model.model.embed_tokens.weight",
                "video_tower.vision_model.embeddings.class_embedding", "multi_modal_projector.linear_2.weight"}) {
            assertTrue(FiniteWeights.isChecked(name), name);
        }
        assertFalse(FiniteWeights.isChecked("language_model.model.layers.0.mlp.down_proj.weight"), "large matrices are left to the logits check");
        assertFalse(FiniteWeights.isChecked("language_model.lm_head.weight"));
    }
}
