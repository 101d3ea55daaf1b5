package dev.vllava.engine.cpu;

import dev.vllava.bench.MachineLimits;
import java.util.Collection;
import org.openjdk.jmh.results.RunResult;
import org.openjdk.jmh.runner.Runner;
import org.openjdk.jmh.runner.RunnerException;
import org.openjdk.jmh.runner.options.Options;
import org.openjdk.jmh.runner.options.OptionsBuilder;
import org.openjdk.jmh.runner.options.TimeValue;

/**
 * Runs {@link MatmulBenchmark} in this JVM (the launcher must pass {@code --add-modules
 * jdk.incubator.vector}), then {@link MachineLimits}, and prints the matmul rates as fractions of
 * the machine's read bandwidth (GEMV) and FMA peak (GEMM). Arguments: [threads] [iterations].
 */
public final class CpuEngineBenchmarks {

    private CpuEngineBenchmarks() {}

    public static void main(String[] args) throws RunnerException {
        int threads = args.length > 0 ? Integer.parseInt(args[0]) : Runtime.getRuntime().availableProcessors();
        int iterations = args.length > 1 ? Integer.parseInt(args[1]) : 5;
        Options options = new OptionsBuilder()
                .include(MatmulBenchmark.class.getName())
                .param("threads", Integer.toString(threads))
                .forks(0) // in this JVM, so MachineLimits below measures the same process
                .warmupIterations(3)
                .warmupTime(TimeValue.seconds(1))
                .measurementIterations(iterations)
                .measurementTime(TimeValue.seconds(1))
                .build();
        Collection<RunResult> results = new Runner(options).run();
        MachineLimits.Limits limits = MachineLimits.measure(threads);
        double gemvBytes = 2.0 * MatmulBenchmark.GEMV_OUTPUTS * MatmulBenchmark.INNER;
        double gemmFlops = 2.0 * MatmulBenchmark.GEMM_ROWS * MatmulBenchmark.GEMM_OUTPUTS * MatmulBenchmark.INNER;
        System.out.printf("machine: %d threads, read %.2f GB/s, FMA peak %.1f GFLOP/s (%d-bit vectors)%n",
                threads, limits.readGBps(), limits.fmaGflops(), limits.vectorBits());
        for (RunResult result : results) {
            String name = result.getParams().getBenchmark();
            double ms = result.getPrimaryResult().getScore();
            if (name.endsWith("gemvF16")) {
                double gbps = gemvBytes / (ms / 1e3) / 1e9;
                System.out.printf("gemvF16 1x4096 · 11008x4096ᵀ: %.3f ms, %.2f GB/s of weights = %.0f%% of read bandwidth%n",
                        ms, gbps, 100 * gbps / limits.readGBps());
            } else if (name.endsWith("gemmF16")) {
                double gflops = gemmFlops / (ms / 1e3) / 1e9;
                System.out.printf("gemmF16 512x4096 · 4096x4096ᵀ: %.1f ms, %.1f GFLOP/s = %.0f%% of FMA peak%n",
                        ms, gflops, 100 * gflops / limits.fmaGflops());
            }
        }
    }
}
