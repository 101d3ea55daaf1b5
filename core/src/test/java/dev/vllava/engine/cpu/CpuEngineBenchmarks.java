package dev.vllava.engine.cpu;

import com.sun.management.OperatingSystemMXBean;
import dev.vllava.bench.MachineLimits;
import java.lang.management.ManagementFactory;
import java.util.Collection;
import org.openjdk.jmh.infra.Blackhole;
import org.openjdk.jmh.results.RunResult;
import org.openjdk.jmh.runner.Runner;
import org.openjdk.jmh.runner.RunnerException;
import org.openjdk.jmh.runner.options.Options;
import org.openjdk.jmh.runner.options.OptionsBuilder;
import org.openjdk.jmh.runner.options.TimeValue;

/**
 * Runs {@link MatmulBenchmark}, {@link QuantizedMatmulBenchmark}, {@link GemvRowBenchmark} and
 * {@link ParallelLoopBenchmark} in this JVM (the launcher must pass {@code --add-modules jdk.incubator.vector}),
 * then {@link MachineLimits}, and prints the matmul rates as fractions of the machine's read bandwidth (GEMV)
 * and FMA peak (GEMM), the GEMV's arithmetic alone on weights with and without F16 subnormals, and the cost of one empty
 * parallel loop. Arguments: [threads] [iterations].
 *
 * <p>On a machine shared with other work, wall-clock rates mostly measure the sharing, so it also
 * prints the rates per CPU-second this process actually got (process CPU time), which estimate
 * what each core does when it has the machine to itself.
 */
public final class CpuEngineBenchmarks {

    private static final double GEMV_BYTES = 2.0 * MatmulBenchmark.GEMV_OUTPUTS * MatmulBenchmark.INNER;
    private static final double GEMM_FLOPS =
            2.0 * MatmulBenchmark.GEMM_ROWS * MatmulBenchmark.GEMM_OUTPUTS * MatmulBenchmark.INNER;
    private static final double VISION_FLOPS = 2.0 * MatmulBenchmark.VISION_ROWS * MatmulBenchmark.VISION_OUTPUTS
            * MatmulBenchmark.VISION_INNER;

    private CpuEngineBenchmarks() {}

    public static void main(String[] args) throws RunnerException {
        int threads = args.length > 0 ? Integer.parseInt(args[0]) : Runtime.getRuntime().availableProcessors();
        int iterations = args.length > 1 ? Integer.parseInt(args[1]) : 5;
        Options options = new OptionsBuilder()
                .include(MatmulBenchmark.class.getName())
                .include(ParallelLoopBenchmark.class.getName())
                .include(QuantizedMatmulBenchmark.class.getName())
                .include(GemvRowBenchmark.class.getName())
                .param("threads", Integer.toString(threads))
                .forks(0) // in this JVM, so MachineLimits below measures the same process
                .warmupIterations(3)
                .warmupTime(TimeValue.seconds(1))
                .measurementIterations(iterations)
                .measurementTime(TimeValue.seconds(1))
                .build();
        Collection<RunResult> results = new Runner(options).run();
        MachineLimits.Limits limits = MachineLimits.measure(threads);
        System.out.printf("machine: %d threads, read %.2f GB/s, FMA peak %.1f GFLOP/s (%d-bit vectors)%n",
                threads, limits.readGBps(), limits.fmaGflops(), limits.vectorBits());
        for (RunResult result : results) {
            String name = result.getParams().getBenchmark();
            double seconds = result.getPrimaryResult().getScore() / 1e3;
            if (name.endsWith("gemvF16")) {
                double gbps = GEMV_BYTES / seconds / 1e9;
                System.out.printf("gemvF16 1x4096 · 11008x4096ᵀ: %.3f ms, %.2f GB/s of weights = %.0f%% of read bandwidth%n",
                        seconds * 1e3, gbps, 100 * gbps / limits.readGBps());
            } else if (name.endsWith("gemmF16")) {
                double gflops = GEMM_FLOPS / seconds / 1e9;
                System.out.printf("gemmF16 512x4096 · 4096x4096ᵀ: %.1f ms, %.1f GFLOP/s = %.0f%% of FMA peak%n",
                        seconds * 1e3, gflops, 100 * gflops / limits.fmaGflops());
            } else if (name.endsWith("gemmVisionMlpF16")) {
                double gflops = VISION_FLOPS / seconds / 1e9;
                System.out.printf("gemmVisionMlpF16 257x1024 · 4096x1024ᵀ + quick_gelu: %.1f ms, %.1f GFLOP/s = %.0f%% of FMA peak%n",
                        seconds * 1e3, gflops, 100 * gflops / limits.fmaGflops());
            } else if (name.endsWith("gemvQuantized")) {
                String bits = result.getParams().getParam("bits");
                System.out.printf("gemv int%s g32 1x4096 · 11008x4096ᵀ: %.3f ms, %.2f GB/s of codes%n", bits, seconds * 1e3,
                        QuantizedMatmulBenchmark.gemvCodeBytes(Integer.parseInt(bits)) / seconds / 1e9);
            } else if (name.endsWith("gemmQuantized")) {
                System.out.printf("gemm int%s g32 512x4096 · 4096x4096ᵀ: %.1f ms, %.1f GFLOP/s%n", result.getParams().getParam("bits"),
                        seconds * 1e3, GEMM_FLOPS / seconds / 1e9);
            } else if (name.contains("GemvRowBenchmark")) {
                System.out.printf("one thread, weights in L2, %s: %.2f GB/s of F16%n",
                        name.substring(name.lastIndexOf('.') + 1), GemvRowBenchmark.BYTES / (result.getPrimaryResult().getScore() * 1e-6) / 1e9);
            } else if (name.endsWith("emptyLoop")) {
                System.out.printf("empty parallel loop: %.2f µs%n", result.getPrimaryResult().getScore());
            }
        }
        perCpuSecond(threads);
    }

    /** Rates per CPU-second of this process: robust to other processes taking the cores. */
    private static void perCpuSecond(int threads) {
        OperatingSystemMXBean os = (OperatingSystemMXBean) ManagementFactory.getOperatingSystemMXBean();
        MatmulBenchmark bench = new MatmulBenchmark();
        bench.threads = threads;
        bench.setUp();
        Blackhole blackhole = new Blackhole(
                "Today's password is swordfish. I understand instantiating Blackholes directly is dangerous.");
        try {
            double gemvCpu = bestCpuSeconds(os, 10, 20, () -> blackhole.consume(bench.gemvF16()));
            double gemmCpu = bestCpuSeconds(os, 4, 1, () -> blackhole.consume(bench.gemmF16()));
            double visionCpu = bestCpuSeconds(os, 4, 4, () -> blackhole.consume(bench.gemmVisionMlpF16()));
            System.out.printf("per CPU-second: gemvF16 %.2f GB/s of weights, gemmF16 %.1f GFLOP/s, gemmVisionMlpF16 %.1f GFLOP/s"
                    + " (× threads for an otherwise idle machine)%n", GEMV_BYTES / gemvCpu / 1e9, GEMM_FLOPS / gemmCpu / 1e9,
                    VISION_FLOPS / visionCpu / 1e9);
        } finally {
            bench.tearDown();
        }
    }

    /** Best of {@code batches} of CPU seconds per call, each batch {@code calls} calls (CPU clocks tick coarsely). */
    private static double bestCpuSeconds(OperatingSystemMXBean os, int batches, int calls, Runnable work) {
        double best = Double.MAX_VALUE;
        for (int batch = 0; batch < batches; batch++) {
            long before = os.getProcessCpuTime();
            for (int call = 0; call < calls; call++) {
                work.run();
            }
            best = Math.min(best, (os.getProcessCpuTime() - before) / 1e9 / calls);
        }
        return best;
    }
}
