package dev.vllava.bench;

import dev.vllava.checkpoint.DType;
import dev.vllava.checkpoint.TensorData;
import dev.vllava.checkpoint.quant.LoadQuantization;
import dev.vllava.checkpoint.quant.QuantScheme;
import dev.vllava.config.VideoLlavaConfig;
import dev.vllava.engine.cpu.CpuEngine;
import dev.vllava.model.VideoLlava;
import dev.vllava.model.VisualTokenBudget;
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
     * @param dtype        the dtype the weights are stored (and read) in; of the scales, for quantized layers
     * @param hostBytes    bytes of weights made in memory so far (synthetic), or null (memory-mapped)
     * @param quantization how the linear layers are quantized, or null when they are read as stored
     * @param atLoad       whether the engine quantizes them while loading ({@code --weights} on plain tensors);
     *                     false when {@code tensors} hands them out quantized already, as a quantized checkpoint does
     */
    public record WeightSource(String name, VideoLlavaConfig config, Function<String, TensorData> tensors, DType dtype,
                          LongSupplier hostBytes, LoadQuantization quantization, boolean atLoad) {

        /** Weights read as stored. */
        public WeightSource(String name, VideoLlavaConfig config, Function<String, TensorData> tensors, DType dtype,
                       LongSupplier hostBytes) {
            this(name, config, tensors, dtype, hostBytes, null, false);
        }

        /** What the engine quantizes while placing the weights: null when nothing is left to quantize. */
        LoadQuantization quantizeAtLoad() {
            return atLoad ? quantization : null;
        }

        /** "F16", or "q4 (int4 g32, F16 scales)" for quantized linear layers. */
        String format() {
            if (quantization == null) {
                return dtype.name();
            }
            QuantScheme scheme = quantization.scheme();
            return scheme.name() + " (int" + scheme.bits() + " g" + scheme.groupSize() + ", " + dtype.name() + " scales)";
        }

        /** Bytes per weight as read, scales included (applied to every weight: lm_head and embeddings are a few %). */
        double bytesPerWeight() {
            if (quantization == null) {
                return dtype.byteSize();
            }
            QuantScheme scheme = quantization.scheme();
            return scheme.bits() / 8.0 + (double) dtype.byteSize() / scheme.groupSize();
        }
    }

    private CpuBench() {}

    /** @param bandwidthBufferBytes buffer of the read-bandwidth measurement ({@link MachineLimits#DEFAULT_BUFFER_BYTES}) */
    public static BenchReport run(WeightSource weights, int threads, ModelBench.Options options, long bandwidthBufferBytes,
                                  Consumer<String> progress) {
        return run(weights, threads, options, VisualTokenBudget.ALL, bandwidthBufferBytes, progress);
    }

    /** As above, the vision stage keeping only {@code visualTokens} patch tokens per frame (its [CLS] ranking included in the time). */
    public static BenchReport run(WeightSource weights, int threads, ModelBench.Options options, VisualTokenBudget visualTokens,
                                  long bandwidthBufferBytes, Consumer<String> progress) {
        progress.accept("limits: memory read bandwidth and FMA peak on " + threads + " thread(s)");
        double readGBps = MachineLimits.readBandwidthGBps(threads, bandwidthBufferBytes);
        double fmaGflops = MachineLimits.fmaPeakGflops(threads);
        BenchReport.Limits limits = new BenchReport.Limits(readGBps, "memory read, " + threads + " threads (MachineLimits)",
                fmaGflops, "F32 vector FMA, " + threads + " threads (MachineLimits)");
        progress.accept(weights.hostBytes() != null ? "making the synthetic weights in memory" : "loading the weights");
        try (CpuEngine engine = new CpuEngine(threads, weights.quantizeAtLoad());
                VideoLlava model = VideoLlava.load(weights.config(), weights.tensors(), engine, visualTokens)) {
            ModelBench.Timings t = ModelBench.run(model, options, () -> {}, progress);
            ModelCost cost = new ModelCost(weights.config(), weights.bytesPerWeight(), model.decoder().kvDtype().byteSize());
            Long hostBytes = weights.hostBytes() == null ? null : weights.hostBytes().getAsLong();
            BenchReport.Memory memory = new BenchReport.Memory(ProcessMemory.heapPeakBytes(),
                    engine.memoryUse().peakBytes(), hostBytes, boxed(ProcessMemory.residentPeakBytes()), null);
            return new BenchReport("cpu", cpuName() + ", " + jdk.incubator.vector.FloatVector.SPECIES_PREFERRED.vectorBitSize() + "-bit vectors",
                    weights.name(), weights.format(), threads, limits,
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
