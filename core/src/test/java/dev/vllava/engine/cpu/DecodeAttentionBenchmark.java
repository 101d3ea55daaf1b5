package dev.vllava.engine.cpu;

import dev.vllava.checkpoint.DType;
import dev.vllava.engine.AttentionShape;
import java.lang.foreign.Arena;
import java.lang.foreign.MemorySegment;
import java.util.Collection;
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
import org.openjdk.jmh.results.RunResult;
import org.openjdk.jmh.runner.Runner;
import org.openjdk.jmh.runner.RunnerException;
import org.openjdk.jmh.runner.options.OptionsBuilder;
import org.openjdk.jmh.runner.options.TimeValue;

/**
 * One decode step's attention in one layer of the 7B language model: one query row, 32 heads of 128,
 * over the 2,100 cached keys of a video question, from an F32 or F16 cache, one tensor or 16-row blocks.
 * Each layer's keys and values are a fresh 2 × 2,100 × 4,096 values (34 MB in F32), more than the cache
 * holds, so the {@link #LAYERS} layers are cycled to read them from memory as a real token does.
 * Run: {@code main [threads] [iterations]}; prints each case's time and its K/V read rate.
 */
@State(Scope.Benchmark)
@BenchmarkMode(Mode.AverageTime)
@OutputTimeUnit(TimeUnit.MILLISECONDS)
public class DecodeAttentionBenchmark {

    static final int KEYS = 2100;
    static final int HEADS = 32;
    static final int HEAD_DIM = 128;
    static final int BLOCK_ROWS = 16;
    /** Layers cycled through, so one layer's K/V is out of the cache when it comes round again. */
    static final int LAYERS = 4;

    @Param({"F32", "F16"})
    public String dtype;

    @Param({"contiguous", "paged"})
    public String layout;

    /** Team threads; 0 means every available processor. */
    @Param("0")
    public int threads;

    private Arena arena;
    private ParallelLoop loop;
    private CpuTensor query;
    private CpuTensor out;
    private KvRows[] keys;
    private KvRows[] values;
    private int layer;
    private final AttentionShape shape = AttentionShape.causal(HEADS, HEADS, HEAD_DIM, KEYS - 1);

    @Setup(Level.Trial)
    public void setUp() {
        arena = Arena.ofShared();
        loop = new ParallelLoop(threads > 0 ? threads : Runtime.getRuntime().availableProcessors());
        Random random = new Random(13);
        query = tensor(DType.F32, 1, random);
        out = tensor(DType.F32, 1, null);
        keys = new KvRows[LAYERS];
        values = new KvRows[LAYERS];
        for (int l = 0; l < LAYERS; l++) {
            keys[l] = rows(DType.valueOf(dtype), random);
            values[l] = rows(DType.valueOf(dtype), random);
        }
    }

    @TearDown(Level.Trial)
    public void tearDown() {
        loop.close();
        arena.close();
    }

    @Benchmark
    public CpuTensor decodeRow() {
        layer = (layer + 1) % LAYERS;
        Attention.run(loop, out, query, keys[layer], values[layer], shape);
        return out;
    }

    private KvRows rows(DType type, Random random) {
        if (layout.equals("contiguous")) {
            return KvRows.of(tensor(type, KEYS, random));
        }
        CpuTensor[] blocks = new CpuTensor[ParallelLoop.ceilDiv(KEYS, BLOCK_ROWS)];
        for (int b = 0; b < blocks.length; b++) {
            blocks[b] = tensor(type, BLOCK_ROWS, random);
        }
        return KvRows.ofBlocks(blocks, BLOCK_ROWS, KEYS);
    }

    /** Values in [-1, 1) (keys and values of that size give a spread-out softmax), or zeros. */
    private CpuTensor tensor(DType type, int rows, Random random) {
        int columns = HEADS * HEAD_DIM;
        MemorySegment segment = arena.allocate((long) rows * columns * type.byteSize(), 64);
        for (long i = 0; random != null && i < (long) rows * columns; i++) {
            float value = random.nextFloat() * 2 - 1;
            if (type == DType.F16) {
                segment.setAtIndex(CpuTensor.HALF, i, Float.floatToFloat16(value));
            } else {
                segment.setAtIndex(CpuTensor.F32, i, value);
            }
        }
        return new CpuTensor(segment, type, 0, rows, columns, columns, null, null);
    }

    public static void main(String[] args) throws RunnerException {
        int threads = args.length > 0 ? Integer.parseInt(args[0]) : Runtime.getRuntime().availableProcessors();
        int iterations = args.length > 1 ? Integer.parseInt(args[1]) : 5;
        Collection<RunResult> results = new Runner(new OptionsBuilder()
                .include(DecodeAttentionBenchmark.class.getName())
                .param("threads", Integer.toString(threads))
                .forks(0)
                .warmupIterations(2)
                .warmupTime(TimeValue.seconds(1))
                .measurementIterations(iterations)
                .measurementTime(TimeValue.seconds(1))
                .build()).run();
        for (RunResult result : results) {
            double ms = result.getPrimaryResult().getScore();
            double bytes = 2.0 * KEYS * HEADS * HEAD_DIM * DType.valueOf(result.getParams().getParam("dtype")).byteSize();
            System.out.printf("decode attention %s %-10s 1 row x %d heads x %d over %d keys: %.3f ms/layer"
                            + " = %.1f ms per 32-layer token, K/V read at %.1f GB/s%n",
                    result.getParams().getParam("dtype"), result.getParams().getParam("layout"), HEADS, HEAD_DIM,
                    KEYS, ms, 32 * ms, bytes / (ms / 1e3) / 1e9);
        }
    }
}
