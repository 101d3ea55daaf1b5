package dev.vllava.bench;

import java.lang.foreign.Arena;
import java.lang.foreign.MemorySegment;
import java.nio.ByteOrder;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.CyclicBarrier;
import java.util.function.IntToDoubleFunction;
import jdk.incubator.vector.FloatVector;
import jdk.incubator.vector.VectorOperators;
import jdk.incubator.vector.VectorSpecies;

/**
 * What this machine can do at most, measured in-process so that benchmark figures can be given as
 * fractions of it: the memory read bandwidth (decode is bound by it) and the F32 FMA peak (prefill
 * and vision are bound by it). Both use all {@code threads}, the way the CPU engine does.
 */
public final class MachineLimits {

    /**
     * @param readGBps     bytes per second (10⁹) that {@code threads} threads can sum from a buffer far
     *                     larger than the caches
     * @param fmaGflops    F32 floating-point operations per second (10⁹, 2 per FMA lane) of
     *                     register-only vector FMAs on {@code threads} threads
     * @param vectorBits   the width of the preferred float vector the measurements used
     */
    public record Limits(int threads, double readGBps, double fmaGflops, int vectorBits) {}

    private static final VectorSpecies<Float> FLOATS = FloatVector.SPECIES_PREFERRED;
    private static final ByteOrder LE = ByteOrder.LITTLE_ENDIAN;
    /** 1 GiB: far beyond any last-level cache, so the sum streams from DRAM. */
    public static final long DEFAULT_BUFFER_BYTES = 1L << 30;
    private static final int RUNS = 4;

    private MachineLimits() {}

    public static Limits measure(int threads) {
        return new Limits(threads, readBandwidthGBps(threads, DEFAULT_BUFFER_BYTES), fmaPeakGflops(threads),
                FLOATS.vectorBitSize());
    }

    /** Best of a few runs of summing a {@code bufferBytes} off-heap buffer split over the threads. */
    public static double readBandwidthGBps(int threads, long bufferBytes) {
        long vectorBytes = FLOATS.vectorByteSize();
        long perThread = bufferBytes / threads / (4 * vectorBytes) * (4 * vectorBytes);
        try (Arena arena = Arena.ofShared()) {
            MemorySegment buffer = arena.allocate(perThread * threads, 4096);
            buffer.fill((byte) 1); // touch every page so the timed runs do not count page faults
            long warmUpBytes = Math.min(perThread, WARMUP_SUM_BYTES);
            compile(() -> sum(buffer, 0, warmUpBytes), WARMUP_SUM_MAX_NANOS);
            double bestSeconds = Double.MAX_VALUE;
            for (int run = 0; run < RUNS; run++) {
                bestSeconds = Math.min(bestSeconds, timeOnThreads(threads,
                        t -> sum(buffer, t * perThread, perThread)));
            }
            return perThread * threads / bestSeconds / 1e9;
        }
    }

    /** Best of a few runs of a loop of independent register FMAs on every thread. */
    public static double fmaPeakGflops(int threads) {
        long iterations = 20_000_000;
        double bestSeconds = Double.MAX_VALUE;
        compile(() -> fmaLoop(WARMUP_ITERATIONS), WARMUP_FMA_MAX_NANOS);
        for (int run = 0; run < RUNS; run++) {
            bestSeconds = Math.min(bestSeconds, timeOnThreads(threads, t -> fmaLoop(iterations)));
        }
        double flops = 2.0 * FMA_CHAINS * FLOATS.length() * iterations * threads;
        return flops / bestSeconds / 1e9;
    }

    /** FMA loop iterations of a warm-up call: ≈ 20 µs compiled, milliseconds interpreted. */
    private static final int WARMUP_ITERATIONS = 10_000;
    private static final long WARMUP_FMA_MAX_NANOS = 1_000_000;
    /** Bytes summed by a warm-up call: ≈ 3 µs compiled (they stay in L2), milliseconds interpreted. */
    private static final long WARMUP_SUM_BYTES = 64 << 10;
    private static final long WARMUP_SUM_MAX_NANOS = 50_000;
    private static final int WARMUP_CALLS_MAX = 5_000;

    /**
     * Runs a short call until it runs at compiled speed (under {@code maxNanos}), so that the timed runs are
     * compiled code. One long first call would run interpreted until C2 finished (tens of seconds on a busy
     * machine), boxing every vector on the heap: the first timed sum of the 1 GiB buffer allocated 2.4 GB
     * that way (JFR), and ParallelGC grew its heap to 1,469 MB for it (457 MB with this warm-up).
     */
    private static void compile(Runnable shortCall, long maxNanos) {
        for (int call = 0; call < WARMUP_CALLS_MAX; call++) {
            long start = System.nanoTime();
            shortCall.run();
            if (System.nanoTime() - start < maxNanos) {
                return;
            }
        }
    }

    private static double sum(MemorySegment buffer, long start, long bytes) {
        long step = FLOATS.vectorByteSize();
        FloatVector a0 = FloatVector.zero(FLOATS), a1 = a0, a2 = a0, a3 = a0;
        for (long at = start, end = start + bytes; at < end; at += 4 * step) {
            a0 = a0.add(FloatVector.fromMemorySegment(FLOATS, buffer, at, LE));
            a1 = a1.add(FloatVector.fromMemorySegment(FLOATS, buffer, at + step, LE));
            a2 = a2.add(FloatVector.fromMemorySegment(FLOATS, buffer, at + 2 * step, LE));
            a3 = a3.add(FloatVector.fromMemorySegment(FLOATS, buffer, at + 3 * step, LE));
        }
        return a0.add(a1).add(a2).add(a3).reduceLanes(VectorOperators.ADD);
    }

    /** Independent accumulation chains: enough to cover FMA latency × FMA ports on current cores. */
    private static final int FMA_CHAINS = 12;

    private static double fmaLoop(long iterations) {
        FloatVector m = FloatVector.broadcast(FLOATS, 0.999_999f);
        FloatVector b = FloatVector.broadcast(FLOATS, 1e-6f);
        FloatVector c0 = FloatVector.broadcast(FLOATS, 0.1f), c1 = c0.add(0.01f), c2 = c0.add(0.02f);
        FloatVector c3 = c0.add(0.03f), c4 = c0.add(0.04f), c5 = c0.add(0.05f), c6 = c0.add(0.06f);
        FloatVector c7 = c0.add(0.07f), c8 = c0.add(0.08f), c9 = c0.add(0.09f), c10 = c0.add(0.1f);
        FloatVector c11 = c0.add(0.11f);
        for (long i = 0; i < iterations; i++) {
            c0 = c0.fma(m, b);
            c1 = c1.fma(m, b);
            c2 = c2.fma(m, b);
            c3 = c3.fma(m, b);
            c4 = c4.fma(m, b);
            c5 = c5.fma(m, b);
            c6 = c6.fma(m, b);
            c7 = c7.fma(m, b);
            c8 = c8.fma(m, b);
            c9 = c9.fma(m, b);
            c10 = c10.fma(m, b);
            c11 = c11.fma(m, b);
        }
        return c0.add(c1).add(c2).add(c3).add(c4).add(c5).add(c6).add(c7).add(c8).add(c9).add(c10).add(c11)
                .reduceLanes(VectorOperators.ADD);
    }

    /** Wall-clock seconds for all threads to run {@code work(threadIndex)} from a common start. */
    private static double timeOnThreads(int threads, IntToDoubleFunction work) {
        CyclicBarrier start = new CyclicBarrier(threads + 1);
        CyclicBarrier end = new CyclicBarrier(threads + 1);
        double[] sink = new double[threads];
        List<Thread> workers = new ArrayList<>();
        for (int t = 0; t < threads; t++) {
            int index = t;
            Thread worker = Thread.ofPlatform().daemon().start(() -> {
                await(start);
                sink[index] = work.applyAsDouble(index);
                await(end);
            });
            workers.add(worker);
        }
        await(start);
        long t0 = System.nanoTime();
        await(end);
        long elapsed = System.nanoTime() - t0;
        double total = 0;
        for (double s : sink) {
            total += s;
        }
        if (total == 42.4242) {
            System.err.println(); // keeps the sums observable so the JIT cannot drop them
        }
        return elapsed / 1e9;
    }

    private static void await(CyclicBarrier barrier) {
        try {
            barrier.await();
        } catch (Exception e) {
            throw new IllegalStateException("benchmark thread interrupted", e);
        }
    }

    /** Prints the limits as one JSON line (for a quick look: {@code java ... dev.vllava.bench.MachineLimits [threads]}). */
    public static void main(String[] args) {
        int threads = args.length > 0 ? Integer.parseInt(args[0]) : Runtime.getRuntime().availableProcessors();
        Limits limits = measure(threads);
        System.out.printf("{\"threads\": %d, \"readGBps\": %.2f, \"fmaGflops\": %.1f, \"vectorBits\": %d}%n",
                limits.threads(), limits.readGBps(), limits.fmaGflops(), limits.vectorBits());
    }
}
