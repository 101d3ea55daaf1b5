package dev.vllava.engine.cpu;

import dev.vllava.checkpoint.DType;
import java.lang.foreign.Arena;
import java.lang.foreign.MemorySegment;
import java.lang.foreign.ValueLayout;
import java.util.SplittableRandom;
import java.util.concurrent.TimeUnit;
import org.openjdk.jmh.annotations.Benchmark;
import org.openjdk.jmh.annotations.BenchmarkMode;
import org.openjdk.jmh.annotations.Level;
import org.openjdk.jmh.annotations.Mode;
import org.openjdk.jmh.annotations.OutputTimeUnit;
import org.openjdk.jmh.annotations.Scope;
import org.openjdk.jmh.annotations.Setup;
import org.openjdk.jmh.annotations.State;
import org.openjdk.jmh.annotations.TearDown;
import org.openjdk.jmh.infra.Blackhole;

/**
 * The decode GEMV's arithmetic alone, on one thread with the weights in L2 (64 rows × 4096 F16 =
 * 512 KiB), so memory does not hide it: the same rows as a trained layer's (uniform ±0.02, as
 * {@code SyntheticWeights} makes them; about 0.3% of the halves are F16 subnormals) and with those
 * subnormals replaced by zero. {@link Halves#f16} widens a subnormal half to a subnormal float before
 * its multiply by 2¹¹², and the CPU takes a slow path for a vector multiply with a subnormal lane: the
 * gap between the two is that cost (see docs/bench.md, "Decode, session 3").
 */
@State(Scope.Benchmark)
@BenchmarkMode(Mode.AverageTime)
@OutputTimeUnit(TimeUnit.MICROSECONDS)
public class GemvRowBenchmark {

    public static final int ROWS = 64;
    public static final int INNER = 4096;
    /** Bytes of F16 weights one call reads. */
    public static final double BYTES = 2.0 * ROWS * INNER;

    private Arena arena;
    private MemorySegment trained;
    private MemorySegment noSubnormals;
    private final float[] x = new float[INNER];

    @Setup(Level.Trial)
    public void setUp() {
        arena = Arena.ofShared();
        trained = arena.allocate(2L * ROWS * INNER, 64);
        noSubnormals = arena.allocate(2L * ROWS * INNER, 64);
        SplittableRandom random = new SplittableRandom(1);
        for (long i = 0; i < (long) ROWS * INNER; i++) {
            short half = Float.floatToFloat16((float) (0.02 * (2 * random.nextDouble() - 1)));
            trained.setAtIndex(ValueLayout.JAVA_SHORT_UNALIGNED, i, half);
            noSubnormals.setAtIndex(ValueLayout.JAVA_SHORT_UNALIGNED, i, (half & 0x7c00) == 0 ? 0 : half);
        }
        for (int i = 0; i < INNER; i++) {
            x[i] = (float) random.nextDouble(-1, 1);
        }
    }

    @TearDown(Level.Trial)
    public void tearDown() {
        arena.close();
    }

    @Benchmark
    public void trainedWeights(Blackhole blackhole) {
        rows(trained, blackhole);
    }

    @Benchmark
    public void withoutSubnormals(Blackhole blackhole) {
        rows(noSubnormals, blackhole);
    }

    private void rows(MemorySegment weights, Blackhole blackhole) {
        for (int row = 0; row < ROWS; row++) {
            blackhole.consume(Gemv.dot1(DType.F16, weights, 2L * row * INNER, INNER, x));
        }
    }
}
