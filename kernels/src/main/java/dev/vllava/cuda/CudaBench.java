package dev.vllava.cuda;

import static jcuda.driver.JCudaDriver.cuMemcpyDtoDAsync;

import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.SerializationFeature;
import dev.vllava.checkpoint.DType;
import dev.vllava.config.TextConfig;
import dev.vllava.config.VideoLlavaConfig;
import dev.vllava.config.VisionConfig;
import dev.vllava.engine.Tensor;
import java.util.Random;

/**
 * GPU benchmarks for {@code vllava bench --backend cuda}: device copy bandwidth, cuBLAS FP16 GEMM peak,
 * and the synthetic model's vision encode, prefill, TTFT and decode (eager and CUDA-graph replay).
 * Timings are wall-clock around a stream synchronisation, best of a few repetitions after a warm-up.
 * Entry points: {@link #run(CudaEngine, VideoLlavaConfig, Options)} returns a {@link Report} (JSON via
 * {@link #toJson(Report)}); {@link #main(String[])} runs it standalone ({@code --device N --json}).
 */
public final class CudaBench {

    /**
     * @param frames         video frames (8: 2056 visual tokens at 224 px)
     * @param textTokens     prompt text tokens around the video placeholder
     * @param decodeTokens   greedy decode steps timed
     * @param useGraphs      also time decode replayed from a CUDA graph
     */
    public record Options(int frames, int textTokens, int decodeTokens, boolean useGraphs) {
        public static Options defaults() {
            return new Options(8, 40, 64, true);
        }
    }

    /** All times in milliseconds; -1 where not measured. */
    public record Report(String device, String shape, double copyGBs, double gemmF16Tflops, double visionMs,
                         double prefillMs, double ttftMs, int promptTokens, double decodeMsPerToken,
                         double decodeTokensPerSecond, double decodeGraphMsPerToken, long peakGpuBytes) {}

    private CudaBench() {}

    /** The Video-LLaVA-7B-hf shapes (LanguageBind ViT-L/14 towers, Vicuna-7B). */
    public static VideoLlavaConfig sevenB() {
        VisionConfig vision = new VisionConfig(1024, 4096, 24, 16, 3, 224, 14, "quick_gelu", 1e-5);
        TextConfig text = new TextConfig(32064, 4096, 11008, 32, 32, 32, 128, "silu", 4096, 1e-5, 10000.0, false, false, false);
        return new VideoLlavaConfig(vision, text, 32000, 32001, 32002, "gelu", -2, "default", 256, 2056);
    }

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

    public static Report run(CudaEngine engine, VideoLlavaConfig config, Options options) {
        double copy = copyBandwidth(engine, 1L << 30);
        double gemm = gemmF16Tflops(engine, 8192);
        try (SyntheticVideoLlava model = new SyntheticVideoLlava(engine, config)) {
            int size = config.vision().imageSize();
            float[] pixelValues = new float[options.frames() * 3 * size * size];
            Random random = new Random(7);
            for (int i = 0; i < pixelValues.length; i++) {
                pixelValues[i] = (float) random.nextGaussian();
            }
            Tensor pixels = engine.upload(pixelValues, 1, pixelValues.length);
            int visualTokens = options.frames() * model.tokensPerFrame();
            int prompt = visualTokens + options.textTokens();
            model.allocateCache(prompt + options.decodeTokens() + 1);
            int[] ids = new int[options.textTokens()];
            for (int i = 0; i < ids.length; i++) {
                ids[i] = 1 + random.nextInt(config.text().vocabSize() - 1);
            }
            double[] vision = {0};
            Runnable encode = () -> model.encodeVideo(pixels, options.frames()).close();
            vision[0] = bestMs(engine, encode, 1, 3);
            Runnable prefillOnly = () -> prefill(engine, model, pixels, options.frames(), ids, visualTokens).close();
            double ttft = bestMs(engine, prefillOnly, 1, 3);
            Tensor logits = prefill(engine, model, pixels, options.frames(), ids, visualTokens);
            int token = engine.argmax(logits);
            logits.close();
            Tensor hidden = engine.allocate(1, config.text().hiddenSize());
            long start = System.nanoTime();
            for (int step = 0; step < options.decodeTokens(); step++) {
                model.embed(hidden, new int[] {token});
                Tensor next = model.decoderForward(hidden, prompt + step);
                token = engine.argmax(next);
                next.close();
            }
            double decodeMs = (System.nanoTime() - start) / 1e6 / options.decodeTokens();
            double graphMs = options.useGraphs() ? graphDecodeMs(engine, model, hidden, prompt) : -1;
            hidden.close();
            pixels.close();
            return new Report(engine.deviceDescription(), config.text().numHiddenLayers() + "-layer Llama " + config.text().hiddenSize(),
                    copy, gemm, vision[0], ttft - vision[0], ttft, prompt, decodeMs, 1000.0 / decodeMs, graphMs,
                    engine.memoryUse().peakBytes());
        }
    }

    /** Vision + projector + splice + Llama prefill; returns the last position's logits. */
    private static Tensor prefill(CudaEngine engine, SyntheticVideoLlava model, Tensor pixels, int frames, int[] ids,
                                  int visualTokens) {
        Tensor visual = model.encodeVideo(pixels, frames);
        int textBefore = Math.min(5, ids.length);  // "USER: <video>\n..." : a few tokens precede the video
        Tensor hidden = engine.allocate(visualTokens + ids.length, model.text().hiddenSize());
        model.embed(hidden.rowSlice(0, textBefore), java.util.Arrays.copyOfRange(ids, 0, textBefore));
        engine.copy(hidden.rowSlice(textBefore, visualTokens), visual);
        model.embed(hidden.rowSlice(textBefore + visualTokens, ids.length - textBefore),
                java.util.Arrays.copyOfRange(ids, textBefore, ids.length));
        visual.close();
        Tensor logits = model.decoderForward(hidden, 0);
        engine.argmax(logits);  // TTFT includes choosing the first token
        hidden.close();
        return logits;
    }

    /** Decode layers captured once at KV length {@code position} and replayed: ms per replay. */
    private static double graphDecodeMs(CudaEngine engine, SyntheticVideoLlava model, Tensor hidden, int position) {
        Tensor[] logits = new Tensor[1];
        try (CudaGraph graph = CudaGraph.capture(engine, () -> logits[0] = model.decoderForward(hidden, position))) {
            return bestMs(engine, graph::launch, 3, 20);
        } finally {
            if (logits[0] != null) {
                logits[0].close();
            }
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

    /** Standalone: {@code java -cp ... dev.vllava.cuda.CudaBench [--device N] [--decode-tokens N]}; JSON on stdout. */
    public static void main(String[] args) {
        int device = 0;
        Options options = Options.defaults();
        for (int i = 0; i < args.length; i++) {
            switch (args[i]) {
                case "--device" -> device = Integer.parseInt(args[++i]);
                case "--decode-tokens" -> options = new Options(options.frames(), options.textTokens(), Integer.parseInt(args[++i]), options.useGraphs());
                case "--no-graphs" -> options = new Options(options.frames(), options.textTokens(), options.decodeTokens(), false);
                default -> throw new IllegalArgumentException("unknown argument " + args[i]);
            }
        }
        try (CudaEngine engine = CudaEngine.open(CudaEngine.Options.defaults().withDevice(device))) {
            System.out.println(toJson(run(engine, sevenB(), options)));
        } catch (dev.vllava.VllavaException e) {
            System.err.println("vllava: error: " + e.getMessage());
            System.exit(e.failure().exitCode());
        }
    }
}
