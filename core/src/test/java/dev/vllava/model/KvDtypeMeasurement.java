package dev.vllava.model;

import com.fasterxml.jackson.databind.JsonNode;
import dev.vllava.checkpoint.DType;
import dev.vllava.checkpoint.TensorData;
import dev.vllava.engine.Tensor;
import dev.vllava.engine.cpu.CpuEngine;
import dev.vllava.model.PromptAssembler.AssembledPrompt;
import java.lang.foreign.Arena;
import java.lang.foreign.MemorySegment;
import java.lang.foreign.ValueLayout;
import java.nio.file.Path;
import java.util.List;
import java.util.function.Function;

/**
 * What an F16 KV cache does to an F16 checkpoint's logits (not a test: run by hand, docs/prefix-reuse.md).
 * Prefills each realvocab reference prompt twice on the CPU engine: as loaded (the engine keeps the KV cache
 * in F16 for F16 weights) and with the embedding table widened to F32 (same values; the engine then keeps an
 * F32 cache), and prints the largest logit difference of each against the reference (computed in F32) and
 * against each other, beside the reference's smallest top-1/top-2 gap.
 *
 * <pre>java ... dev.vllava.model.KvDtypeMeasurement /work/shared/golden/realvocab</pre>
 */
public final class KvDtypeMeasurement {

    public static void main(String[] args) {
        try (GoldenData golden = GoldenData.at(Path.of(args[0])); GoldenData tinyA = GoldenData.tinyA()) {
            System.out.println("reference's smallest top-1/top-2 gap: " + golden.json().get("summary").get("top1_top2_gap_min_over_all_steps"));
            for (String id : golden.promptIds()) {
                float[] reference = golden.floats("prompts." + id + ".prefill_last_logits");
                float[] half = prefill(golden, tinyA, id, golden.modelTensors());
                float[] single = prefill(golden, tinyA, id, widenedEmbedding(golden.modelTensors()));
                System.out.printf("%s: max |logit - reference| with F16 KV %.2e, with F32 KV %.2e; F16 vs F32 KV %.2e%n", id,
                        maxDifference(half, reference), maxDifference(single, reference), maxDifference(half, single));
            }
        }
    }

    private static float[] prefill(GoldenData golden, GoldenData tinyA, String id, Function<String, TensorData> tensors) {
        JsonNode prompt = golden.prompt(id);
        try (CpuEngine engine = new CpuEngine(2); VideoLlava model = VideoLlava.load(golden.config(), tensors, engine);
                KvCache cache = model.decoder().newKvCache(4096)) {
            System.out.println(id + ": KV cache in " + model.decoder().kvDtype());
            boolean image = prompt.hasNonNull("image");
            List<Tensor> images = image
                    ? List.of(model.imageFeatures(tinyA.floats("images." + prompt.get("image").asText() + ".pixel_values_images"), 1))
                    : List.of();
            List<Tensor> videos = List.of(model.videoFeatures(tinyA.floats("videos." + prompt.get("video").asText() + ".pixel_values_videos"), 8));
            AssembledPrompt assembled = model.prompts().assemble(GoldenData.ints(prompt.get("unexpanded_input_ids")), image ? 1 : 0,
                    List.of(8));
            try (Tensor embeddings = model.inputEmbeddings(assembled, images, videos)) {
                return engine.download(model.decoder().prefill(embeddings, cache));
            }
        }
    }

    /** The checkpoint with {@code embed_tokens} as F32 (exact: every F16 value is an F32 value). */
    private static Function<String, TensorData> widenedEmbedding(Function<String, TensorData> tensors) {
        return name -> {
            TensorData data = tensors.apply(name);
            if (data == null || !name.endsWith("embed_tokens.weight") || data.dtype() != DType.F16) {
                return data;
            }
            long count = data.data().byteSize() / 2;
            MemorySegment widened = Arena.ofAuto().allocate(count * 4);
            for (long i = 0; i < count; i++) {
                widened.setAtIndex(ValueLayout.JAVA_FLOAT_UNALIGNED, i,
                        Float.float16ToFloat(data.data().getAtIndex(ValueLayout.JAVA_SHORT_UNALIGNED, i)));
            }
            return new TensorData(data.name(), DType.F32, data.shape(), widened);
        };
    }

    private static double maxDifference(float[] a, float[] b) {
        double max = 0;
        for (int i = 0; i < a.length; i++) {
            max = Math.max(max, Math.abs(a[i] - b[i]));
        }
        return max;
    }
}
