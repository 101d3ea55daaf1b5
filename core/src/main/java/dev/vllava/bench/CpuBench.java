package dev.vllava.bench;

import dev.vllava.checkpoint.DType;
import dev.vllava.checkpoint.TensorData;
import dev.vllava.config.VideoLlavaConfig;
import dev.vllava.engine.cpu.CpuEngine;
import dev.vllava.model.VideoLlava;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.function.Consumer;
import java.util.function.Function;
import java.util.function.LongSupplier;

/**
 * {@code vllava bench --backend cpu}: the machine's limits ({@link MachineLimits}) measured first, in
 * this run, then {@link ModelBench} on a {@link CpuEngine}, reported against them.
 */
public final class CpuBench {

    /**
     * The weights to bench.
     *
     * @param name         "synthetic 7b" or the model folder
     * @param tensors      tensors by checkpoint name (null for an absent one)
     * @param dtype        the dtype the weights are stored (and read) in
     * @param hostBytes    bytes of weights made in memory so far (synthetic), or null (memory-mapped)
     */
    public record WeightSource(String name, VideoLlavaConfig config, Function<String, TensorData> tensors, DType dtype,
                          LongSupplier hostBytes) {}

    private CpuBench() {}

    /** @param bandwidthBufferBytes buffer of the read-bandwidth measurement ({@link MachineLimits#DEFAULT_BUFFER_BYTES}) */
    public static BenchReport run(WeightSource weights, int threads, ModelBench.Options options, long bandwidthBufferBytes,
                                  Consumer<String> progress) {
        progress.accept("limits: memory read bandwidth and FMA peak on " + threads + " thread(s)");
        double readGBps = MachineLimits.readBandwidthGBps(threads, bandwidthBufferBytes);
        double fmaGflops = MachineLimits.fmaPeakGflops(threads);
        BenchReport.Limits limits = new BenchReport.Limits(readGBps, "memory read, " + threads + " threads (MachineLimits)",
                fmaGflops, "F32 vector FMA, " + threads + " threads (MachineLimits)");
        progress.accept(weights.hostBytes() != null ? "making the synthetic weights in memory" : "loading the weights");
        try (CpuEngine engine = new CpuEngine(threads);
                VideoLlava model = VideoLlava.load(weights.config(), weights.tensors(), engine)) {
            ModelBench.Timings t = ModelBench.run(model, options, () -> {}, progress);
            ModelCost cost = new ModelCost(weights.config(), weights.dtype().byteSize());
            Long hostBytes = weights.hostBytes() == null ? null : weights.hostBytes().getAsLong();
            BenchReport.Memory memory = new BenchReport.Memory(ProcessMemory.heapPeakBytes(),
                    engine.memoryUse().peakBytes(), hostBytes, boxed(ProcessMemory.residentPeakBytes()), null);
            return new BenchReport("cpu", cpuName() + ", " + jdk.incubator.vector.FloatVector.SPECIES_PREFERRED.vectorBitSize() + "-bit vectors",
                    weights.name(), weights.dtype().name(), threads, limits,
                    BenchReport.vision(cost, t.frames(), t.visualTokens(), t.visionMs(), limits,
                            share(t.visionCpuMs(), t.visionMs(), threads)),
                    BenchReport.prefill(cost, t.promptTokens(), t.prefillMs(), null, limits,
                            share(t.prefillCpuMs(), t.prefillMs(), threads)),
                    BenchReport.decode(cost, t.decodeTokens(), t.decodeContext(), t.decodeMsPerToken(), null, limits,
                            share(t.decodeCpuMs(), t.decodeMs(), threads)),
                    memory);
        }
    }

    private static double share(double cpuMs, double wallMs, int threads) {
        return cpuMs / (wallMs * threads);
    }

    private static Long boxed(java.util.OptionalLong value) {
        return value.isPresent() ? value.getAsLong() : null;
    }

    /** The processor's model name from /proc/cpuinfo (what lscpu prints), or the JVM's arch elsewhere. */
    public static String cpuName() {
        try {
            for (String line : Files.readAllLines(Path.of("/proc/cpuinfo"))) {
                if (line.startsWith("model name")) {
                    return line.substring(line.indexOf(':') + 1).trim();
                }
            }
        } catch (IOException | RuntimeException e) {
            // fall through
        }
        return System.getProperty("os.arch");
    }
}
