package dev.vllava.cuda;

import static jcuda.driver.JCudaDriver.cuMemcpyDtoDAsync;

import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.SerializationFeature;
import dev.vllava.bench.ModelBench;
import dev.vllava.bench.SyntheticWeights;
import dev.vllava.checkpoint.DType;
import dev.vllava.checkpoint.SyntheticCheckpoint;
import dev.vllava.checkpoint.TensorData;
import dev.vllava.config.VideoLlavaConfig;
import dev.vllava.engine.Tensor;
import dev.vllava.model.VideoLlava;
import java.util.function.Consumer;
import java.util.function.Function;

/**
 * GPU benchmarks for {@code vllava bench --backend cuda}: device copy bandwidth, cuBLAS FP16 GEMM peak,
 * and vision encode, prefill and decode of the model users run ({@link VideoLlava} on the
 * {@link CudaEngine}, timed by {@link ModelBench}) with random F16 weights of a config's real shapes
 * ({@link SyntheticWeights}, loaded through the same path as a checkpoint's tensors). Entry points:
 * {@link #run(CudaEngine, VideoLlavaConfig, Function, ModelBench.Options, Consumer)} returns a {@link Report} (JSON via
 * {@link #toJson(Report)}); {@link #main(String[])} runs it standalone at the 7B shapes ({@code --device N --json}).
 */
public final class CudaBench {

    public static final int FRAMES = 8;
    public static final int TEXT_TOKENS = 40;
    public static final int DECODE_TOKENS = 64;

    /** The default stages at a config's shapes: a video's frames, their visual tokens + the question's text, 64 decode steps. */
    public static ModelBench.Options defaultOptions(VideoLlavaConfig config) {
        return new ModelBench.Options(FRAMES, FRAMES * config.tokensPerFrame() + TEXT_TOKENS, DECODE_TOKENS);
    }

    /**
     * All times in milliseconds; -1 where not measured. {@code ttftMs} is vision + prefill (timed one after
     * the other); {@code decodeGraphMsPerToken} stays -1 until a decode step can be captured through the
     * model (its positions are host arguments today).
     */
    public record Report(String device, String shape, double copyGBs, double gemmF16Tflops, double visionMs,
                         double prefillMs, double ttftMs, int promptTokens, int decodeContext, double decodeMsPerToken,
                         double decodeTokensPerSecond, double decodeGraphMsPerToken, long peakGpuBytes) {}

    private static final long COPY_BYTES = 1L << 30;
    private static final int GEMM_SIZE = 8192;

    private CudaBench() {}

    /** Device-to-device copy bandwidth in GB/s (read + write counted), over a {@code bytes} buffer. */
    public static double copyBandwidth(CudaEngine engine, long bytes) {
        CudaDevice gpu = engine.device();
        long src = gpu.allocate(bytes);
        long dst = gpu.allocate(bytes);
        try {
            Runnable copy = () -> CudaDevice.check(cuMemcpyDtoDAsync(DevicePointers.deviceptr(dst), DevicePointers.deviceptr(src),
                    bytes, gpu.stream()), "cuMemcpyDtoDAsync");
            double ms = bestMs(engine, copy, 2, 10);
            return 2.0 * bytes / (ms * 1e-3) / 1e9;
        } finally {
            gpu.free(src);
            gpu.free(dst);
        }
    }

    /** cuBLAS FP16-in / FP32-accumulate GEMM throughput in TFLOP/s for an n×n×n product. */
    public static double gemmF16Tflops(CudaEngine engine, int n) {
        Tensor a = engine.randomWeight(DType.F16, n, n, 11, 0.1f);
        Tensor b = engine.randomWeight(DType.F16, n, n, 12, 0.1f);
        Tensor c = engine.allocate(n, n);
        try {
            CudaTensor ca = (CudaTensor) a;
            CudaTensor cb = (CudaTensor) b;
            CudaTensor cc = (CudaTensor) c;
            Runnable gemm = () -> engine.cublas().gemmStridedBatched(Cublas.OP_N, Cublas.OP_N, n, n, n, ca.address,
                    Cublas.CUDA_R_16F, n, 0, cb.address, Cublas.CUDA_R_16F, n, 0, cc.address, Cublas.CUDA_R_32F, n, 0, 1);
            double ms = bestMs(engine, gemm, 3, 10);
            return 2.0 * n * (double) n * n / (ms * 1e-3) / 1e12;
        } finally {
            c.close();
        }
    }

    /** @param tensors the weights by checkpoint name (a checkpoint's, or {@link SyntheticWeights}) */
    public static Report run(CudaEngine engine, VideoLlavaConfig config, Function<String, TensorData> tensors,
                             ModelBench.Options options, Consumer<String> progress) {
        progress.accept("limits: device copy bandwidth and FP16 GEMM peak");
        double copy = copyBandwidth(engine, COPY_BYTES);
        double gemm = gemmF16Tflops(engine, GEMM_SIZE);
        progress.accept("placing the weights on the device");
        try (VideoLlava model = VideoLlava.load(config, tensors, engine)) {
            ModelBench.Timings t = ModelBench.run(model, options, engine::synchronize, progress);
            return new Report(engine.deviceDescription(), config.text().numHiddenLayers() + "-layer Llama " + config.text().hiddenSize(),
                    copy, gemm, t.visionMs(), t.prefillMs(), t.visionMs() + t.prefillMs(), t.promptTokens(), t.decodeContext(), t.decodeMsPerToken(),
                    1000.0 / t.decodeMsPerToken(), -1, engine.memoryUse().peakBytes());
        }
    }

    /** Best wall time of {@code reps} runs after {@code warmup} runs, each ended by a stream sync. */
    static double bestMs(CudaEngine engine, Runnable work, int warmup, int reps) {
        for (int i = 0; i < warmup; i++) {
            work.run();
        }
        engine.synchronize();
        double best = Double.MAX_VALUE;
        for (int i = 0; i < reps; i++) {
            long start = System.nanoTime();
            work.run();
            engine.synchronize();
            best = Math.min(best, (System.nanoTime() - start) / 1e6);
        }
        return best;
    }

    public static String toJson(Report report) {
        try {
            return new ObjectMapper().enable(SerializationFeature.INDENT_OUTPUT).writeValueAsString(report);
        } catch (com.fasterxml.jackson.core.JsonProcessingException e) {
            throw new IllegalStateException(e);
        }
    }

    /** Standalone, synthetic 7B: {@code java -cp ... dev.vllava.cuda.CudaBench [--device N] [--decode-tokens N]}; JSON on stdout. */
    public static void main(String[] args) {
        int device = 0;
        VideoLlavaConfig config = SyntheticCheckpoint.VIDEO_LLAVA_7B;
        ModelBench.Options options = defaultOptions(config);
        for (int i = 0; i < args.length; i++) {
            switch (args[i]) {
                case "--device" -> device = Integer.parseInt(args[++i]);
                case "--decode-tokens" -> options = new ModelBench.Options(options.frames(), options.promptTokens(), Integer.parseInt(args[++i]));
                default -> throw new IllegalArgumentException("unknown argument " + args[i]);
            }
        }
        try (CudaEngine engine = CudaEngine.open(CudaEngine.Options.defaults().withDevice(device));
                SyntheticWeights weights = new SyntheticWeights(config, DType.F16, 1)) {
            System.out.println(toJson(run(engine, config, weights, options, System.err::println)));
        } catch (dev.vllava.VllavaException e) {
            System.err.println("vllava: error: " + e.getMessage());
            System.exit(e.failure().exitCode());
        }
    }
}
