package dev.vllava.engine.cpu;

import dev.vllava.checkpoint.DType;
import dev.vllava.checkpoint.TensorData;
import dev.vllava.checkpoint.quant.QuantScheme;
import dev.vllava.checkpoint.quant.Quantizer;
import dev.vllava.engine.Tensor;
import java.lang.foreign.Arena;
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
 * {@link MatmulBenchmark}'s two shapes on quantized weights (group 32, F16 scales, as
 * {@code --weights q8|q4} makes them): decode's GEMV, 1 × 4096 by 11008 × 4096ᵀ (GB/s of codes =
 * 11008 · rowBytes ÷ time), and prefill's GEMM, 512 × 4096 by 4096 × 4096ᵀ (17.2 GFLOP ÷ time).
 * {@code make bench-engine} runs it with the others. The int4 GEMV matrix (22.5 MB) fits a 32 MiB L3
 * and the int8 one (45 MB) half fits: a whole token streams from memory instead.
 */
@State(Scope.Benchmark)
@BenchmarkMode(Mode.AverageTime)
@OutputTimeUnit(TimeUnit.MILLISECONDS)
public class QuantizedMatmulBenchmark {

    /** 8 or 4. */
    @Param({"8", "4"})
    public int bits;

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

    @Setup(Level.Trial)
    public void setUp() {
        arena = Arena.ofShared();
        engine = new CpuEngine(threads > 0 ? threads : Runtime.getRuntime().availableProcessors());
        Random random = new Random(1);
        QuantScheme scheme = new QuantScheme(bits, 32);
        gemvWeight = engine.weight(quantized("up_proj", MatmulBenchmark.GEMV_OUTPUTS, scheme, random));
        gemmWeight = engine.weight(quantized("q_proj", MatmulBenchmark.GEMM_OUTPUTS, scheme, random));
        gemvInput = engine.upload(MatmulBenchmark.gaussian(MatmulBenchmark.INNER, random), 1, MatmulBenchmark.INNER);
        gemmInput = engine.upload(MatmulBenchmark.gaussian(MatmulBenchmark.GEMM_ROWS * MatmulBenchmark.INNER, random),
                MatmulBenchmark.GEMM_ROWS, MatmulBenchmark.INNER);
        gemvOutput = engine.allocate(1, MatmulBenchmark.GEMV_OUTPUTS);
        gemmOutput = engine.allocate(MatmulBenchmark.GEMM_ROWS, MatmulBenchmark.GEMM_OUTPUTS);
    }

    @TearDown(Level.Trial)
    public void tearDown() {
        engine.close();
        arena.close();
    }

    @Benchmark
    public Tensor gemvQuantized() {
        engine.matmul(gemvOutput, gemvInput, gemvWeight, null);
        return gemvOutput;
    }

    @Benchmark
    public Tensor gemmQuantized() {
        engine.matmul(gemmOutput, gemmInput, gemmWeight, null);
        return gemmOutput;
    }

    /** Bytes of codes one GEMV reads. */
    public static double gemvCodeBytes(int bits) {
        return (double) MatmulBenchmark.GEMV_OUTPUTS * MatmulBenchmark.INNER * bits / 8;
    }

    private TensorData quantized(String name, int rows, QuantScheme scheme, Random random) {
        TensorData f16 = MatmulBenchmark.f16Weights(arena, name, rows, MatmulBenchmark.INNER, random);
        return Quantizer.quantize(f16, scheme, arena);
    }
}
