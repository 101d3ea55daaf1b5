package dev.vllava.engine.cpu;

import java.util.concurrent.TimeUnit;
import org.openjdk.jmh.annotations.Benchmark;
import org.openjdk.jmh.annotations.BenchmarkMode;
import org.openjdk.jmh.annotations.Level;
import org.openjdk.jmh.annotations.Mode;
import org.openjdk.jmh.annotations.OutputTimeUnit;
import org.openjdk.jmh.annotations.Param;
import org.openjdk.jmh.annotations.Scope;
import org.openjdk.jmh.annotations.Setup;
import org.openjdk.jmh.annotations.State;
import org.openjdk.jmh.annotations.TearDown;

/**
 * The cost of one parallel loop with (almost) nothing in it: what a decode step pays some 540 times
 * per token on top of its kernels. {@link CpuEngineBenchmarks} runs it beside the matmuls.
 */
@State(Scope.Benchmark)
@BenchmarkMode(Mode.AverageTime)
@OutputTimeUnit(TimeUnit.MICROSECONDS)
public class ParallelLoopBenchmark {

    /** Team threads; 0 means every available processor. */
    @Param("0")
    public int threads;

    private ParallelLoop loop;
    private final long[] touched = new long[64];

    @Setup(Level.Trial)
    public void setUp() {
        loop = new ParallelLoop(threads > 0 ? threads : Runtime.getRuntime().availableProcessors());
    }

    @TearDown(Level.Trial)
    public void tearDown() {
        loop.close();
    }

    @Benchmark
    public long[] emptyLoop() {
        loop.forRange(touched.length, 1, (start, end) -> touched[start]++);
        return touched;
    }
}
