package dev.vllava.model;

import com.fasterxml.jackson.databind.node.ObjectNode;
import dev.vllava.bench.SyntheticWeights;
import dev.vllava.checkpoint.DType;
import dev.vllava.checkpoint.SyntheticCheckpoint;
import dev.vllava.config.VideoLlavaConfig;
import dev.vllava.engine.Engine;
import dev.vllava.engine.cpu.CpuEngine;
import java.util.ArrayList;
import java.util.List;
import java.util.Random;

/**
 * Not a test: the 7B-shaped measurement of docs/prefix-reuse.md (run by hand, under the bench lock). A
 * Video-LLaVA-7B-shaped model (widths, vocabulary, 8 frames of 257 tokens) with fewer layers, random F16
 * weights: time to the first token's logits of a first question (vision + the whole prompt's prefill) and
 * of a repeat question on the same video (its own tokens on the shared prefix), and the KV memory of
 * {@code questions} questions held at once on one prefix.
 * <pre>java ... dev.vllava.model.PrefixReuseMeasurement TEXT_LAYERS VISION_LAYERS THREADS QUESTIONS</pre>
 */
final class PrefixReuseMeasurement {
    public static void main(String[] args) {
        int textLayers = Integer.parseInt(args[0]);
        int visionLayers = Integer.parseInt(args[1]);
        int threads = Integer.parseInt(args[2]);
        int questions = Integer.parseInt(args[3]);
        ObjectNode json = SyntheticCheckpoint.videoLlava7bJson();
        ((ObjectNode) json.get("text_config")).put("num_hidden_layers", textLayers);
        ((ObjectNode) json.get("vision_config")).put("num_hidden_layers", visionLayers);
        VideoLlavaConfig config = VideoLlavaConfig.fromJson(json);
        try (Engine engine = new CpuEngine(threads); SyntheticWeights weights = new SyntheticWeights(config, DType.F16, 7)) {
            VideoLlava model = VideoLlava.load(config, weights, engine);
            Random random = new Random(3);
            float[] pixels = new float[8 * 3 * 224 * 224];
            for (int i = 0; i < pixels.length; i++) {
                pixels[i] = (float) random.nextGaussian();
            }
            List<VisualInput> video = List.of(VisualInput.video(pixels, 8));
            PreparedPrompt first = prompt(model, config, video, random);
            long start = System.nanoTime();
            try (Conversation alone = new Conversation(model, first.length() + 8)) {
                alone.prefill(first, 8);
            }
            double firstMs = (System.nanoTime() - start) / 1e6;
            System.out.printf("first question: %d tokens prefilled, vision + prefill %.0f ms%n", first.length(), firstMs);
            try (MediaPrefix prefix = MediaPrefix.read(model, first)) {
                System.out.printf("prefix read once: %d tokens, vision %.0f ms, prefill %.0f ms%n", prefix.length(),
                        prefix.visionMs(), prefix.prefillMs());
                PreparedPrompt repeat = prompt(model, config, video, random);
                start = System.nanoTime();
                try (Conversation onPrefix = new Conversation(prefix, repeat.length() + 8)) {
                    onPrefix.prefill(repeat, 8);
                }
                double repeatMs = (System.nanoTime() - start) / 1e6;
                System.out.printf("repeat question: %d tokens prefilled, %.1f ms: %.0fx faster to its first token%n",
                        repeat.length() - prefix.length(), repeatMs, firstMs / repeatMs);
                List<Conversation> held = new ArrayList<>();
                for (int q = 0; q < questions; q++) {
                    Conversation conversation = new Conversation(prefix, repeat.length() + 64);
                    conversation.prefill(prompt(model, config, video, random), 64);
                    held.add(conversation);
                }
                LlamaDecoder.KvBlocks blocks = model.decoder().kvBlocks();
                double mib = blocks.held() * blocks.bytesPerBlock() / 1048576.0;
                double perSequence = (double) first.length() * 2 * textLayers * config.text().numKeyValueHeads()
                        * config.text().headDim() * model.decoder().kvDtype().byteSize() / 1048576.0;
                System.out.printf("%d questions on one prefix: %d KV blocks of %d tokens = %.1f MiB (one prefix %.1f MiB;"
                        + " %d separate caches of the prompt alone: %.1f MiB); engine memory now %.0f MiB%n", questions,
                        blocks.held(), blocks.blockSize(), mib, perSequence, questions, questions * perSequence,
                        engine.memoryUse().currentBytes() / 1048576.0);
                held.forEach(Conversation::close);
            }
            model.close();
        }
    }

    /** {@code USER: <video>\n<question of 12 random ids> ASSISTANT:} as ids (BOS first), its video expanded. */
    private static PreparedPrompt prompt(VideoLlava model, VideoLlavaConfig config, List<VisualInput> video, Random random) {
        int[] ids = new int[20];
        int[] head = {1, 3148, 1001, 29901, config.videoTokenIndex(), 13};
        System.arraycopy(head, 0, ids, 0, head.length);
        for (int i = head.length; i < ids.length - 2; i++) {
            ids[i] = 100 + random.nextInt(31000);
        }
        ids[ids.length - 2] = 319;
        ids[ids.length - 1] = 29901;
        return new PreparedPrompt(model.prompts().assemble(ids, video), video);
    }
}
