package dev.vllava.engine.cpu;

import dev.vllava.checkpoint.DType;
import dev.vllava.checkpoint.TensorData;
import dev.vllava.engine.Activation;
import dev.vllava.engine.Tensor;
import java.lang.foreign.Arena;
import java.lang.foreign.MemorySegment;
import java.lang.foreign.ValueLayout;
import java.util.Random;
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
 * The two matmul shapes that bound a 7B model on the CPU, with F16 weights as a checkpoint stores
 * them: decode's GEMV (1 × 4096 by 11008 × 4096ᵀ, an MLP up projection; memory-bound, so GB/s of
 * weights = 90.2 MB ÷ time) and prefill's GEMM (512 × 4096 by 4096 × 4096ᵀ; compute-bound, so
 * GFLOP/s = 17.2 GFLOP ÷ time), and the vision tower's MLP up projection with its activation fused
 * (a frame's 257 × 1024 by 4096 × 1024ᵀ, quick_gelu; 2.16 GFLOP, the shape of ~30% of a frame, where
 * 257 = 8 panels of 32 + 1 row). {@link CpuEngineBenchmarks} runs them and converts the times.
 */
@State(Scope.Benchmark)
@BenchmarkMode(Mode.AverageTime)
@OutputTimeUnit(TimeUnit.MILLISECONDS)
public class MatmulBenchmark {

    public static final int INNER = 4096;
    public static final int GEMV_OUTPUTS = 11008;
    public static final int GEMM_ROWS = 512;
    public static final int GEMM_OUTPUTS = 4096;
    public static final int VISION_ROWS = 257;
    public static final int VISION_INNER = 1024;
    public static final int VISION_OUTPUTS = 4096;

    /** Engine threads; 0 means every available processor. */
    @Param("0")
    public int threads;

    private Arena arena;
    private CpuEngine engine;
    private Tensor gemvWeight;
    private Tensor gemmWeight;
    private Tensor gemvInput;
    private Tensor gemmInput;
    private Tensor gemvOutput;
    private Tensor gemmOutput;
    private Tensor visionWeight;
    private Tensor visionBias;
    private Tensor visionInput;
    private Tensor visionOutput;

    @Setup(Level.Trial)
    public void setUp() {
        arena = Arena.ofShared();
        engine = new CpuEngine(threads > 0 ? threads : Runtime.getRuntime().availableProcessors());
        Random random = new Random(1);
        gemvWeight = engine.weight(f16Weights("up_proj", GEMV_OUTPUTS, INNER, random));
        gemmWeight = engine.weight(f16Weights("q_proj", GEMM_OUTPUTS, INNER, random));
        gemvInput = engine.upload(gaussian(INNER, random), 1, INNER);
        gemmInput = engine.upload(gaussian(GEMM_ROWS * INNER, random), GEMM_ROWS, INNER);
        gemvOutput = engine.allocate(1, GEMV_OUTPUTS);
        gemmOutput = engine.allocate(GEMM_ROWS, GEMM_OUTPUTS);
        visionWeight = engine.weight(f16Weights("fc1", VISION_OUTPUTS, VISION_INNER, random));
        visionBias = engine.upload(gaussian(VISION_OUTPUTS, random), 1, VISION_OUTPUTS);
        visionInput = engine.upload(gaussian(VISION_ROWS * VISION_INNER, random), VISION_ROWS, VISION_INNER);
        visionOutput = engine.allocate(VISION_ROWS, VISION_OUTPUTS);
    }

    @TearDown(Level.Trial)
    public void tearDown() {
        engine.close();
        arena.close();
    }

    @Benchmark
    public Tensor gemvF16() {
        engine.matmul(gemvOutput, gemvInput, gemvWeight, null);
        return gemvOutput;
    }

    @Benchmark
    public Tensor gemmF16() {
        engine.matmul(gemmOutput, gemmInput, gemmWeight, null);
        return gemmOutput;
    }

    @Benchmark
    public Tensor gemmVisionMlpF16() {
        engine.matmulActivate(visionOutput, visionInput, visionWeight, visionBias, Activation.QUICK_GELU);
        return visionOutput;
    }

    /** Weights like a trained layer's (σ = 0.02, so a few are F16 subnormals), in a fresh mapping-like segment. */
    private TensorData f16Weights(String name, int rows, int columns, Random random) {
        return f16Weights(arena, name, rows, columns, random);
    }

    static TensorData f16Weights(Arena arena, String name, int rows, int columns, Random random) {
        MemorySegment data = arena.allocate(2L * rows * columns, 64);
        short[] pool = new short[1 << 16];
        for (int i = 0; i < pool.length; i++) {
            pool[i] = Float.floatToFloat16((float) (random.nextGaussian() * 0.02));
        }
        for (long i = 0; i < (long) rows * columns; i++) {
            data.set(ValueLayout.JAVA_SHORT_UNALIGNED, 2 * i, pool[(int) ((i * 40503L) & 0xffff)]);
        }
        return new TensorData(name, DType.F16, new long[] {rows, columns}, data);
    }

    static float[] gaussian(int count, Random random) {
        float[] values = new float[count];
        for (int i = 0; i < count; i++) {
            values[i] = (float) random.nextGaussian();
        }
        return values;
    }
}
