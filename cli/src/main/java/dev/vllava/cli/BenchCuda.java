package dev.vllava.cli;

import dev.vllava.VllavaException;
import dev.vllava.bench.BenchReport;
import dev.vllava.bench.ModelBench;
import dev.vllava.bench.ModelCost;
import dev.vllava.bench.ProcessMemory;
import dev.vllava.bench.SyntheticWeights;
import dev.vllava.checkpoint.Checkpoint;
import dev.vllava.checkpoint.DType;
import dev.vllava.checkpoint.TensorData;
import dev.vllava.config.VideoLlavaConfig;
import dev.vllava.cuda.CudaBench;
import dev.vllava.cuda.CudaEngine;
import java.util.function.Consumer;
import java.util.function.Function;

/**
 * {@code vllava bench --backend cuda}: the device copy bandwidth and cuBLAS FP16 GEMM peak first (the
 * limits), then vision, prefill and decode of the model's own code ({@link CudaBench}, {@link ModelBench}),
 * as {@link BenchReport} with the same fields as the CPU. Synthetic weights and a checkpoint's go through
 * the same loading path. Weights are read as F16 (the engine stores F32 ones as F16).
 */
final class BenchCuda {
    private static final int BYTES_PER_WEIGHT = 2;

    private BenchCuda() {}

    static BenchReport run(BenchCommand command, Consumer<String> progress) {
        try (CudaEngine engine = open(command.device)) {
            if (command.source.synthetic != null) {
                VideoLlavaConfig config = SyntheticWeights.preset(command.source.synthetic);
                try (SyntheticWeights weights = new SyntheticWeights(config, DType.F16, 1)) {
                    return bench(engine, command, "synthetic " + command.source.synthetic, config, weights, progress);
                }
            }
            try (Checkpoint checkpoint = Checkpoint.open(command.source.modelDir)) {
                return bench(engine, command, command.source.modelDir.toString(), checkpoint.config(),
                        name -> checkpoint.has(name) ? checkpoint.tensor(name) : null, progress);
            }
        }
    }

    private static CudaEngine open(int device) {
        try {
            return CudaEngine.open(device);
        } catch (LinkageError e) {
            throw VllavaException.backendUnavailable("the CUDA backend cannot start: %s", e);
        }
    }

    private static BenchReport bench(CudaEngine engine, BenchCommand command, String name, VideoLlavaConfig config,
                                     Function<String, TensorData> tensors, Consumer<String> progress) {
        ModelBench.Options defaults = CudaBench.defaultOptions(config);
        int frames = BenchCommand.or(command.frames, defaults.frames());
        int prompt = BenchCommand.or(command.promptTokens, frames * config.tokensPerFrame() + CudaBench.TEXT_TOKENS);
        ModelBench.Options options = new ModelBench.Options(frames, prompt, BenchCommand.or(command.decodeTokens, defaults.decodeTokens()));
        BenchCommand.requireContext(config, options);
        CudaBench.Report r = CudaBench.run(engine, config, tensors, options, progress);
        BenchReport.Limits limits = new BenchReport.Limits(r.copyGBs(), "device-to-device copy, read + write counted (CudaBench)",
                r.gemmF16Tflops() * 1000, "cuBLAS FP16 GEMM, FP32 accumulate, 8192³ (CudaBench)");
        ModelCost cost = new ModelCost(config, BYTES_PER_WEIGHT);
        var resident = ProcessMemory.residentPeakBytes();
        return new BenchReport("cuda", r.device(), name, "F16", null, limits,
                BenchReport.vision(cost, frames, frames * config.tokensPerFrame(), r.visionMs(), limits, null),
                BenchReport.prefill(cost, prompt, r.prefillMs(), r.ttftMs(), limits, null),
                BenchReport.decode(cost, options.decodeTokens(), r.decodeContext(), r.decodeMsPerToken(), null, limits, null),
                new BenchReport.Memory(ProcessMemory.heapPeakBytes(), r.peakGpuBytes(), null,
                        resident.isPresent() ? resident.getAsLong() : null, r.peakGpuBytes()));
    }
}
