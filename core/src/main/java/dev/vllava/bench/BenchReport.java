package dev.vllava.bench;

import com.fasterxml.jackson.core.JsonProcessingException;
import com.fasterxml.jackson.annotation.JsonProperty;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.PropertyNamingStrategies;
import com.fasterxml.jackson.databind.SerializationFeature;

/**
 * What {@code vllava bench} reports, the same fields for every backend (null where a backend does not
 * measure something), so that CPU and GPU runs compare field by field. {@link #toJson()} is the
 * {@code --json} contract (snake_case keys, as every vllava --json); docs/bench.md describes each field.
 *
 * @param backend     "cpu" or "cuda"
 * @param device      the processor or GPU, in words
 * @param model       "synthetic 7b", "synthetic tiny" or the model folder
 * @param weightDtype the dtype the engine reads the weights in
 * @param threads     CPU worker threads; null on the GPU
 *
 * <p>Each CPU stage has {@code cpuShare}: the process's CPU time over wall time × threads while it ran
 * (null on the GPU). Well under 1 means the run did not have the machine to itself, and its
 * fractions of the limits understate the engine.
 */
public record BenchReport(String backend, String device, String model, String weightDtype, Integer threads,
                          Limits limits, Vision vision, Prefill prefill, Decode decode, Memory memory) {

    /**
     * The machine's ceilings, measured in the same run.
     *
     * @param bandwidthGBps what decode is bound by (10⁹ bytes/s); {@code bandwidth} says how it was measured
     * @param peakGflops    what vision and prefill are bound by (10⁹ FLOP/s); {@code peak} says how
     */
    public record Limits(@JsonProperty("bandwidth_gb_s") double bandwidthGBps, String bandwidth, double peakGflops, String peak) {}

    /** The video tower + projector over {@code frames} frames ({@code tokens} visual tokens in all). */
    public record Vision(int frames, int tokens, double ms, double msPerFrame, double gflop, double achievedGflops,
                         double fractionOfPeak, Double cpuShare) {}

    /**
     * The language-model prefill of {@code tokens} tokens.
     *
     * @param ttftMs vision + prefill + first token, where the backend measures it as one run (CUDA)
     */
    public record Prefill(int tokens, double ms, double tokensPerSecond, double gflop, double achievedGflops,
                          double fractionOfPeak, Double ttftMs, Double cpuShare) {}

    /**
     * {@code tokens} greedy decode steps starting with {@code context} tokens cached.
     *
     * @param weightBytesPerToken language-model weights read per token (all but the embedding table)
     * @param kvBytesPerToken     mean key/value cache bytes read per token over the steps (in the engine's KV dtype)
     * @param graphMsPerToken     one decode step replayed from a CUDA graph (CUDA only)
     */
    public record Decode(int tokens, int context, double msPerToken, double tokensPerSecond, long weightBytesPerToken,
                         long kvBytesPerToken, @JsonProperty("achieved_gb_s") double achievedGBps, double fractionOfBandwidth,
                         Double graphMsPerToken, Double cpuShare) {}

    /**
     * Peaks in bytes.
     *
     * @param enginePeakBytes   the engine's own allocations (CPU: activations and KV cache; CUDA: all device memory it holds)
     * @param weightBytes       synthetic weights made in host memory (null for a memory-mapped checkpoint or weights on the GPU)
     * @param residentPeakBytes the process's resident set peak (VmHWM), null where unknown
     * @param devicePeakBytes   GPU memory peak (CUDA only)
     */
    public record Memory(long heapPeakBytes, long enginePeakBytes, Long weightBytes, Long residentPeakBytes,
                         Long devicePeakBytes) {}

    public static Vision vision(ModelCost cost, int frames, int tokens, double ms, Limits limits, Double cpuShare) {
        double flops = cost.visionFlopsPerFrame() * frames;
        double gflops = flops / (ms * 1e-3) / 1e9;
        return new Vision(frames, tokens, ms, ms / frames, flops / 1e9, gflops, gflops / limits.peakGflops(), cpuShare);
    }

    public static Prefill prefill(ModelCost cost, int tokens, double ms, Double ttftMs, Limits limits, Double cpuShare) {
        double flops = cost.prefillFlops(tokens, 0);
        double gflops = flops / (ms * 1e-3) / 1e9;
        return new Prefill(tokens, ms, tokens / (ms * 1e-3), flops / 1e9, gflops, gflops / limits.peakGflops(), ttftMs,
                cpuShare);
    }

    /** @param msPerToken mean time of one step over {@code tokens} steps */
    public static Decode decode(ModelCost cost, int tokens, int context, double msPerToken, Double graphMsPerToken,
                                Limits limits, Double cpuShare) {
        long weightBytes = cost.decodeWeightBytesPerToken();
        long kvBytes = cost.meanDecodeKvBytes(context, tokens);
        double gbps = (weightBytes + kvBytes) / (msPerToken * 1e-3) / 1e9;
        return new Decode(tokens, context, msPerToken, 1000 / msPerToken, weightBytes, kvBytes, gbps,
                gbps / limits.bandwidthGBps(), graphMsPerToken, cpuShare);
    }

    public String toJson() {
        try {
            return new ObjectMapper().setPropertyNamingStrategy(PropertyNamingStrategies.SNAKE_CASE)
                    .enable(SerializationFeature.INDENT_OUTPUT).writeValueAsString(this);
        } catch (JsonProcessingException e) {
            throw new IllegalStateException("bench report not serialisable", e);
        }
    }
}
