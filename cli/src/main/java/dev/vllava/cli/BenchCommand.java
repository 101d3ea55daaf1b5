package dev.vllava.cli;

import dev.vllava.VllavaException;
import dev.vllava.bench.BenchReport;
import dev.vllava.bench.CpuBench;
import dev.vllava.bench.MachineLimits;
import dev.vllava.bench.ModelBench;
import dev.vllava.bench.ProcessMemory;
import dev.vllava.bench.SyntheticQuantizedWeights;
import dev.vllava.bench.SyntheticWeights;
import dev.vllava.checkpoint.quant.LoadQuantization;
import dev.vllava.checkpoint.Checkpoint;
import dev.vllava.checkpoint.DType;
import dev.vllava.config.VideoLlavaConfig;
import java.io.PrintWriter;
import java.nio.file.Path;
import java.util.concurrent.Callable;
import picocli.CommandLine.ArgGroup;
import picocli.CommandLine.Command;
import picocli.CommandLine.Model.CommandSpec;
import picocli.CommandLine.Mixin;
import picocli.CommandLine.Option;
import picocli.CommandLine.Spec;

/**
 * {@code vllava bench}: vision encode, prefill and decode speed on synthetic 7B-shaped weights (no
 * download) or a real checkpoint, each as a fraction of the machine limit that binds it, measured in
 * the same run. stdout carries the table (or {@code --json}); progress goes to stderr.
 */
@Command(
        name = "bench",
        mixinStandardHelpOptions = true,
        description = {"Measure vision encode, prefill and decode speed against the machine's own limits.",
                "CPU defaults: 1 frame, 128 prompt tokens, 8 decode tokens (a 7B prefill of the real 2096-token"
                        + " video prompt takes minutes on a CPU). CUDA defaults: 8 frames, 2096 prompt tokens"
                        + " (8 × 257 visual + 40 text), 64 decode tokens."})
final class BenchCommand implements Callable<Integer> {

    static final int CPU_FRAMES = 1;
    static final int CPU_PROMPT_TOKENS = 128;
    static final int CPU_DECODE_TOKENS = 8;

    @Spec
    CommandSpec spec;

    static final class Source {
        @Option(names = "--synthetic", paramLabel = "PRESET",
                description = "Random F16 weights of a preset's shape, made in host memory (CUDA: on the device): 7b (Video-LLaVA-7B-hf) or tiny.")
        String synthetic;

        @Option(names = "--model", paramLabel = "DIR", description = "A checkpoint folder to bench instead.")
        Path modelDir;
    }

    @ArgGroup(exclusive = true, multiplicity = "1")
    Source source;

    @Option(names = "--backend", defaultValue = "cpu", paramLabel = "cpu|cuda",
            description = "Engine to bench (default: ${DEFAULT-VALUE}); cuda exits 5 without a usable GPU.")
    String backend;

    @Option(names = "--threads", paramLabel = "N", description = "CPU worker threads (default: all processors).")
    Integer threads;

    @Option(names = "--device", paramLabel = "N", defaultValue = "0", description = "CUDA device ordinal (default: 0).")
    int device;

    @Option(names = "--frames", paramLabel = "N", description = "Video frames to encode (CPU default 1, CUDA 8).")
    Integer frames;

    @Option(names = "--prompt-tokens", paramLabel = "N",
            description = "Prompt tokens to prefill (CPU default 128; CUDA default frames × visual tokens per frame (257, fewer with --visual-tokens) + 40).")
    Integer promptTokens;

    @Option(names = "--decode-tokens", paramLabel = "N", description = "Decode steps timed (CPU default 8, CUDA 64).")
    Integer decodeTokens;

    @Mixin
    VisualTokenOptions visualTokens;

    @Option(names = "--weights", paramLabel = "q8|q4", description = WeightsChoice.DESCRIPTION
            + " With --synthetic the quantized layers are made as a quantized checkpoint holds them (codes and scales;"
            + " their F16 values are never made).")
    String weights;

    @Option(names = "--json", description = "Print one JSON object instead of the table.")
    boolean json;

    @Option(names = "--bandwidth-buffer-mb", hidden = true, defaultValue = "1024",
            description = "Buffer of the CPU read-bandwidth measurement (tests use a small one).")
    int bandwidthBufferMb;

    @Override
    public Integer call() {
        requirePositive("--frames", frames);
        requirePositive("--prompt-tokens", promptTokens);
        requirePositive("--decode-tokens", decodeTokens);
        requirePositive("--threads", threads);
        visualTokens.budget();
        LoadQuantization quantizeAtLoad = WeightsChoice.parse(weights);
        if (quantizeAtLoad != null && !backend.equals("cpu")) {
            throw VllavaException.usage("--weights %s: the CUDA bench runs its weights as stored (use --backend cpu)", weights);
        }
        BenchReport report = switch (backend) {
            case "cpu" -> cpu(quantizeAtLoad);
            case "cuda" -> BenchCuda.run(this, this::progress);
            default -> throw VllavaException.usage("--backend must be cpu or cuda, got '%s'", backend);
        };
        PrintWriter out = spec.commandLine().getOut();
        out.print(json ? report.toJson() + System.lineSeparator() : BenchTable.render(report));
        out.flush();
        return 0;
    }

    private BenchReport cpu(LoadQuantization quantizeAtLoad) {
        int threadCount = threads != null ? threads : Runtime.getRuntime().availableProcessors();
        ModelBench.Options options = new ModelBench.Options(or(frames, CPU_FRAMES), or(promptTokens, CPU_PROMPT_TOKENS),
                or(decodeTokens, CPU_DECODE_TOKENS));
        long buffer = Math.min((long) bandwidthBufferMb << 20, MachineLimits.DEFAULT_BUFFER_BYTES);
        if (source.synthetic != null) {
            VideoLlavaConfig config = SyntheticWeights.preset(source.synthetic);
            requireContext(config, options);
            try (SyntheticWeights weights = new SyntheticWeights(config, DType.F16, 1)) {
                if (quantizeAtLoad != null) {
                    try (SyntheticQuantizedWeights quantized = new SyntheticQuantizedWeights(weights, quantizeAtLoad)) {
                        return CpuBench.run(new CpuBench.WeightSource("synthetic " + source.synthetic, config, quantized, DType.F16,
                                quantized::bytes, quantizeAtLoad, false), threadCount, options, visualTokens.budget(), buffer, this::progress);
                    }
                }
                warnIfMemoryShort(weights.bytesForVideo());
                return CpuBench.run(new CpuBench.WeightSource("synthetic " + source.synthetic, config, weights, DType.F16,
                        weights::bytes), threadCount, options, visualTokens.budget(), buffer, this::progress);
            }
        }
        try (Checkpoint checkpoint = Checkpoint.open(source.modelDir)) {
            requireContext(checkpoint.config(), options);
            DType dtype = checkpoint.tensor("language_model.model.layers.0.self_attn.q_proj.weight").dtype();
            return CpuBench.run(new CpuBench.WeightSource(source.modelDir.toString(), checkpoint.config(),
                    name -> checkpoint.has(name) ? checkpoint.tensor(name) : null, dtype, null, quantizeAtLoad, true),
                    threadCount, options, visualTokens.budget(), buffer, this::progress);
        }
    }

    /** The 7B weights take 13 GiB of host memory: say so before the machine starts to struggle. */
    private void warnIfMemoryShort(long weightBytes) {
        ProcessMemory.availableBytes().ifPresent(available -> {
            if (available < weightBytes + (1L << 30)) {
                PrintWriter err = spec.commandLine().getErr();
                err.printf("vllava: warning: the synthetic weights need %s of memory and only %s is available%n",
                        BenchTable.bytes(weightBytes), BenchTable.bytes(available));
                err.flush();
            }
        });
    }

    static void requireContext(VideoLlavaConfig config, ModelBench.Options options) {
        int needed = ModelBench.contextNeeded(options);
        if (needed > config.text().maxPositionEmbeddings()) {
            throw VllavaException.usage("--prompt-tokens %d + --decode-tokens %d (+ warm-up) need %d positions, more than the model's %d",
                    options.promptTokens(), options.decodeTokens(), needed, config.text().maxPositionEmbeddings());
        }
    }

    private static void requirePositive(String option, Integer value) {
        if (value != null && value < 1) {
            throw VllavaException.usage("%s must be at least 1, got %d", option, value);
        }
    }

    static int or(Integer value, int fallback) {
        return value != null ? value : fallback;
    }

    void progress(String line) {
        PrintWriter err = spec.commandLine().getErr();
        err.println("vllava bench: " + line);
        err.flush();
    }
}
