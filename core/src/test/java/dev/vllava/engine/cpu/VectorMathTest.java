package dev.vllava.engine.cpu;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import jdk.incubator.vector.FloatVector;
import org.junit.jupiter.api.Test;

class VectorMathTest {

    @Test
    void expIsWithinTwoUlpsOverTheUsedRange() {
        double worst = 0;
        float[] x = new float[Halves.LANES];
        float[] y = new float[Halves.LANES];
        for (int i = -860_000; i + Halves.LANES <= 886_900; i += Halves.LANES) {
            for (int lane = 0; lane < Halves.LANES; lane++) {
                x[lane] = (i + lane) * 1e-4f;
            }
            VectorMath.exp(FloatVector.fromArray(Halves.FLOATS, x, 0)).intoArray(y, 0);
            for (int lane = 0; lane < Halves.LANES; lane++) {
                double expected = Math.exp(x[lane]);
                worst = Math.max(worst, Math.abs(y[lane] - expected) / expected);
            }
        }
        // Two float ulps are 2.4e-7 relative: as close as torch's float exp.
        assertTrue(worst < 2.4e-7, "worst relative error " + worst);
    }

    @Test
    void expSaturatesAtTheEndsOfTheFloatRange() {
        float[] y = new float[Halves.LANES];
        VectorMath.exp(FloatVector.broadcast(Halves.FLOATS, -1000f)).intoArray(y, 0);
        assertTrue(y[0] >= 0 && y[0] < 1e-37, "exp(-1000) " + y[0]);
        VectorMath.exp(FloatVector.broadcast(Halves.FLOATS, 88.7f)).intoArray(y, 0);
        assertEquals(Math.exp(88.7f), y[0], Math.exp(88.7f) * 3e-7, "just below the float maximum stays finite");
        VectorMath.exp(FloatVector.broadcast(Halves.FLOATS, 0f)).intoArray(y, 0);
        assertEquals(1f, y[0], 0f);
    }

    @Test
    void sumAddsLanesInOrder() {
        float[] values = new float[Halves.LANES];
        float expected = 0;
        for (int i = 0; i < values.length; i++) {
            values[i] = 1f / (i + 3);
            expected += values[i];
        }
        assertEquals(expected, VectorMath.sum(FloatVector.fromArray(Halves.FLOATS, values, 0)), 0f);
    }
}
