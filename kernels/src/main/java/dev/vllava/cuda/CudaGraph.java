package dev.vllava.cuda;

import static jcuda.driver.JCudaDriver.cuGraphDestroy;
import static jcuda.driver.JCudaDriver.cuGraphExecDestroy;
import static jcuda.driver.JCudaDriver.cuGraphInstantiate;
import static jcuda.driver.JCudaDriver.cuGraphLaunch;
import static jcuda.driver.JCudaDriver.cuStreamBeginCapture;
import static jcuda.driver.JCudaDriver.cuStreamEndCapture;

import java.util.List;
import jcuda.driver.CUgraph;
import jcuda.driver.CUgraphExec;
import jcuda.driver.CUstreamCaptureMode;

/**
 * A sequence of engine operations captured once as a CUDA graph and replayed with one launch, which
 * removes the per-kernel launch cost (~3-5 µs × ~400 kernels per 7B decode step).
 *
 * <p>Not yet used by the model: the {@link dev.vllava.engine.Engine} interface passes step-dependent
 * values (token ids, RoPE positions, KV lengths) as host arguments, which a graph freezes at capture
 * time, and {@code embed}/{@code argmax} move data between host and device, which capture forbids. A
 * graph therefore replays exactly the captured step; capturing the real decode step needs those values
 * in device memory (the design is in docs/architecture.md, "Not done yet"). {@code CudaGraphGpuTest}
 * checks capture and replay. Temporaries used during capture stay reserved until {@link #close()}.
 * Capture is RELAXED so that the arena may still take a new chunk (cuMemAlloc) while capturing.
 */
public final class CudaGraph implements AutoCloseable {
    private final CudaEngine engine;
    private final CUgraph graph = new CUgraph();
    private final CUgraphExec exec = new CUgraphExec();
    private final List<DeviceArena.Block> temporaries;

    private CudaGraph(CudaEngine engine, Runnable step) {
        this.engine = engine;
        CudaDevice gpu = engine.device();
        engine.arena().beginDeferredFrees();
        List<DeviceArena.Block> kept;
        RuntimeException failure = null;
        try {
            CudaDevice.check(cuStreamBeginCapture(gpu.stream(), CUstreamCaptureMode.CU_STREAM_CAPTURE_MODE_RELAXED),
                    "cuStreamBeginCapture");
            try {
                step.run();
            } catch (RuntimeException e) {
                failure = e;
            }
            // The capture must end either way; when the step failed, its own error is the one to report.
            try {
                CudaDevice.check(cuStreamEndCapture(gpu.stream(), graph), "cuStreamEndCapture");
            } catch (RuntimeException e) {
                if (failure == null) {
                    failure = e;
                } else {
                    failure.addSuppressed(e);
                }
            }
        } finally {
            kept = engine.arena().endDeferredFrees();
        }
        if (failure != null) {
            kept.forEach(engine.arena()::free);
            throw failure;
        }
        this.temporaries = kept;
        CudaDevice.check(cuGraphInstantiate(exec, graph, 0), "cuGraphInstantiate");
    }

    /** Captures {@code step} (engine operations that neither upload nor read back). */
    public static CudaGraph capture(CudaEngine engine, Runnable step) {
        return new CudaGraph(engine, step);
    }

    /** Replays the captured operations on the engine's stream (asynchronous). */
    public void launch() {
        CudaDevice.check(cuGraphLaunch(exec, engine.device().stream()), "cuGraphLaunch");
    }

    @Override
    public void close() {
        engine.synchronize();
        cuGraphExecDestroy(exec);
        cuGraphDestroy(graph);
        for (DeviceArena.Block block : temporaries) {
            engine.arena().free(block);
        }
    }
}
