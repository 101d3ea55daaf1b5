package dev.vllava.cli;

import dev.vllava.VllavaException;
import dev.vllava.bench.BenchReport;
import dev.vllava.bench.ModelBench;
import dev.vllava.bench.ModelCost;
import dev.vllava.bench.ProcessMemory;
import dev.vllava.bench.SyntheticWeights;
import dev.vllava.checkpoint.Checkpoint;
import dev.vllava.config.VideoLlavaConfig;
import dev.vllava.cuda.CudaBench;
import dev.vllava.cuda.CudaEngine;
import dev.vllava.model.VideoLlava;
import java.util.function.Consumer;

/**
 * {@code vllava bench --backend cuda}: the device copy bandwidth and cuBLAS FP16 GEMM peak first (the
 * limits), then vision, prefill and decode, as {@link BenchReport} with the same fields as the CPU.
 * Synthetic weights are generated on the device by {@link CudaBench}; a checkpoint runs through the
 * model's own code ({@link ModelBench}). Weights are read as F16 (the engine stores F32 ones as F16).
 */
final class BenchCuda {
    private static final long COPY_BYTES = 1L << 30;
    private static final int GEMM_SIZE = 8192;
    private static final int BYTES_PER_WEIGHT = 2;
    private static final int MIN_TEXT_TOKENS = 8;

    private BenchCuda() {}

    static BenchReport run(BenchCommand command, Consumer<String> progress) {
        try (CudaEngine engine = open(command.device)) {
            return command.source.synthetic != null
                    ? synthetic(engine, command, SyntheticWeights.preset(command.source.synthetic), progress)
                    : checkpoint(engine, command, progress);
        }
    }

    private static CudaEngine open(int device) {
        try {
            return CudaEngine.open(device);
        } catch (LinkageError e) {
            throw VllavaException.backendUnavailable("the CUDA backend cannot start: %s", e);
        }
    }

    private static int[] defaults(BenchCommand command, VideoLlavaConfig config) {
        int frames = BenchCommand.or(command.frames, BenchCommand.CUDA_FRAMES);
        int visual = frames * command.visualTokens.budget().frameTokens(config);
        int prompt = BenchCommand.or(command.promptTokens, visual + BenchCommand.CUDA_TEXT_TOKENS);
        return new int[] {frames, visual, prompt, BenchCommand.or(command.decodeTokens, BenchCommand.CUDA_DECODE_TOKENS)};
    }

    private static BenchReport synthetic(CudaEngine engine, BenchCommand command, VideoLlavaConfig config,
                                         Consumer<String> progress) {
        if (command.visualTokens.budget().frameTokens(config) != config.tokensPerFrame()) {
            throw VllavaException.usage("--visual-tokens is not supported by the synthetic CUDA bench (its model splices every frame token); bench a checkpoint with --model");
        }
        int[] d = defaults(command, config);
        int frames = d[0];
        int visual = d[1];
        int prompt = d[2];
        // CudaBench splices the video after a few text tokens and needs text on both sides of it.
        if (prompt < visual + MIN_TEXT_TOKENS) {
            throw VllavaException.usage("--prompt-tokens %d must be at least the %d visual tokens of %d frame(s) + %d text tokens on the cuda synthetic bench",
                    prompt, visual, frames, MIN_TEXT_TOKENS);
        }
        BenchCommand.requireContext(config, new ModelBench.Options(frames, prompt, d[3]));
        progress.accept("cuda: limits, then the synthetic model (" + frames + " frames, " + prompt + " prompt tokens, "
                + d[3] + " decode tokens)");
        CudaBench.Report r = CudaBench.run(engine, config,
                new CudaBench.Options(frames, prompt - visual, d[3], true));
        BenchReport.Limits limits = limits(r.copyGBs(), r.gemmF16Tflops());
        ModelCost cost = new ModelCost(config, BYTES_PER_WEIGHT);
        return new BenchReport("cuda", r.device(), "synthetic " + command.source.synthetic, "F16", null, limits,
                BenchReport.vision(cost, frames, visual, r.visionMs(), limits, null),
                BenchReport.prefill(cost, r.promptTokens(), r.prefillMs(), r.ttftMs(), limits, null),
                BenchReport.decode(cost, d[3], r.promptTokens(), r.decodeMsPerToken(),
                        r.decodeGraphMsPerToken() > 0 ? r.decodeGraphMsPerToken() : null, limits, null),
                memory(r.peakGpuBytes()));
    }

    private static BenchReport checkpoint(CudaEngine engine, BenchCommand command, Consumer<String> progress) {
        try (Checkpoint checkpoint = Checkpoint.open(command.source.modelDir)) {
            VideoLlavaConfig config = checkpoint.config();
            int[] d = defaults(command, config);
            ModelBench.Options options = new ModelBench.Options(d[0], d[2], d[3]);
            BenchCommand.requireContext(config, options);
            progress.accept("cuda: limits (copy bandwidth, FP16 GEMM peak)");
            BenchReport.Limits limits = limits(CudaBench.copyBandwidth(engine, COPY_BYTES),
                    CudaBench.gemmF16Tflops(engine, GEMM_SIZE));
            try (VideoLlava model = VideoLlava.load(checkpoint, engine, command.visualTokens.budget())) {
                ModelBench.Timings t = ModelBench.run(model, options, engine::synchronize, progress);
                ModelCost cost = new ModelCost(config, BYTES_PER_WEIGHT);
                return new BenchReport("cuda", engine.deviceDescription(), command.source.modelDir.toString(), "F16", null,
                        limits,
                        BenchReport.vision(cost, t.frames(), t.visualTokens(), t.visionMs(), limits, null),
                        BenchReport.prefill(cost, t.promptTokens(), t.prefillMs(), null, limits, null),
                        BenchReport.decode(cost, t.decodeTokens(), t.decodeContext(), t.decodeMsPerToken(), null, limits, null),
                        memory(engine.memoryUse().peakBytes()));
            }
        }
    }

    private static BenchReport.Limits limits(double copyGBs, double gemmTflops) {
        return new BenchReport.Limits(copyGBs, "device-to-device copy, read + write counted (CudaBench)",
                gemmTflops * 1000, "cuBLAS FP16 GEMM, FP32 accumulate, 8192³ (CudaBench)");
    }

    private static BenchReport.Memory memory(long devicePeak) {
        var resident = ProcessMemory.residentPeakBytes();
        return new BenchReport.Memory(ProcessMemory.heapPeakBytes(), devicePeak, null,
                resident.isPresent() ? resident.getAsLong() : null, devicePeak);
    }
}
