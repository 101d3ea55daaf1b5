package dev.vllava.model;

import dev.vllava.bench.SyntheticWeights;
import dev.vllava.checkpoint.DType;
import dev.vllava.config.VideoLlavaConfig;
import dev.vllava.engine.Activation;
import dev.vllava.engine.Engine;
import dev.vllava.engine.Tensor;
import dev.vllava.engine.cpu.CpuEngine;
import java.lang.management.ManagementFactory;
import java.lang.management.ThreadMXBean;
import java.lang.reflect.InvocationHandler;
import java.lang.reflect.InvocationTargetException;
import java.lang.reflect.Proxy;
import java.util.Map;
import java.util.Random;
import java.util.TreeMap;

/**
 * Where a vision frame's time goes, by engine operation: the 7B video tower and projector on
 * synthetic F16 weights (only those are made, ~0.7 GB), run through an {@link Engine} proxy that
 * times every call, keyed by the operation and its operands' shapes (so the qkv, out, fc1 and fc2
 * products come out as separate lines). The CPU engine runs each operation to completion before it
 * returns, and with one engine thread it runs on the caller, so the calling thread's CPU time across
 * a call is that operation's cost whatever else shares the machine. The im2col, which is Java in
 * {@link VisionTower} outside the engine, is what the frame's time leaves unaccounted.
 * Argument: [frames]. Run under the machine-wide bench lock.
 */
public final class VisionStageProfile {

    private static final ThreadMXBean THREAD_CPU = ManagementFactory.getThreadMXBean();

    private VisionStageProfile() {}

    public static void main(String[] args) {
        int frames = args.length > 0 ? Integer.parseInt(args[0]) : 3;
        int threads = 1; // so that every operation runs on this thread and its CPU time is the cost
        VideoLlavaConfig config = SyntheticWeights.preset("7b");
        Map<String, long[]> calls = new TreeMap<>();
        try (SyntheticWeights weights = new SyntheticWeights(config, DType.F16, 1);
                CpuEngine cpu = new CpuEngine(threads)) {
            Engine engine = timed(cpu, calls);
            CheckpointTensors root = new CheckpointTensors(weights, "");
            VisionTower tower = new VisionTower(engine, config.vision(), root.under("video_tower.vision_model."),
                    config.visionLayersUsed());
            Projector projector = new Projector(engine, root.under("multi_modal_projector."), config.projectorHiddenAct());
            int size = config.vision().imageSize();
            float[] pixels = new float[3 * size * size];
            Random random = new Random(7);
            for (int i = 0; i < pixels.length; i++) {
                pixels[i] = (float) random.nextGaussian();
            }
            for (int warmUp = 0; warmUp < 2; warmUp++) {
                encode(tower, projector, pixels);
            }
            calls.clear();
            long start = THREAD_CPU.getCurrentThreadCpuTime();
            for (int frame = 0; frame < frames; frame++) {
                encode(tower, projector, pixels);
            }
            double frameMs = (THREAD_CPU.getCurrentThreadCpuTime() - start) / 1e6 / frames;
            print(calls, frames, frameMs, threads);
        }
    }

    private static void encode(VisionTower tower, Projector projector, float[] pixels) {
        try (Tensor hidden = tower.encode(pixels, 1); Tensor projected = projector.project(hidden)) {
            projected.rows();
        }
    }

    private static void print(Map<String, long[]> calls, int frames, double frameMs, int threads) {
        System.out.printf("vision frame (7B video tower + projector, %d thread): %.1f CPU-ms/frame, mean of %d%n",
                threads, frameMs, frames);
        System.out.printf("%-58s %8s %10s %7s%n", "operation (shapes)", "calls", "CPU-ms", "share");
        double accounted = 0;
        for (Map.Entry<String, long[]> e : calls.entrySet()) {
            double ms = e.getValue()[1] / 1e6 / frames;
            accounted += ms;
            System.out.printf("%-58s %8d %10.2f %6.1f%%%n", e.getKey(), e.getValue()[0] / frames, ms, 100 * ms / frameMs);
        }
        System.out.printf("%-58s %8s %10.2f %6.1f%%%n", "outside the engine (im2col, Java glue)", "",
                frameMs - accounted, 100 * (frameMs - accounted) / frameMs);
    }

    /** The engine with every call timed into {@code calls}: key → {count, nanoseconds}. */
    private static Engine timed(Engine engine, Map<String, long[]> calls) {
        InvocationHandler handler = (proxy, method, args) -> {
            long start = THREAD_CPU.getCurrentThreadCpuTime();
            Object result;
            try {
                result = method.invoke(engine, args);
            } catch (InvocationTargetException e) {
                throw e.getCause();
            }
            long elapsed = THREAD_CPU.getCurrentThreadCpuTime() - start;
            StringBuilder key = new StringBuilder(method.getName());
            if (args != null) {
                for (Object arg : args) {
                    if (arg instanceof Tensor t) {
                        key.append(' ').append(t.rows()).append('x').append(t.columns());
                    } else if (arg instanceof Activation fn) {
                        key.append(' ').append(fn);
                    }
                }
            }
            long[] entry = calls.computeIfAbsent(key.toString(), k -> new long[2]);
            entry[0]++;
            entry[1] += elapsed;
            return result;
        };
        return (Engine) Proxy.newProxyInstance(Engine.class.getClassLoader(), new Class<?>[] {Engine.class}, handler);
    }
}
