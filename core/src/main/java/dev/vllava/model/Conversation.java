package dev.vllava.model;

import dev.vllava.VllavaException;
import dev.vllava.engine.Tensor;
import dev.vllava.generate.GenerationOptions;
import dev.vllava.generate.GenerationResult;
import dev.vllava.generate.Generator;
import dev.vllava.generate.Timings;
import dev.vllava.generate.TokenListener;
import dev.vllava.model.PromptAssembler.AssembledPrompt;
import java.util.ArrayList;
import java.util.List;

/**
 * One dialogue with the model over one {@link KvCache}: each {@link #ask} prefills its prompt after
 * everything said so far and generates the answer, so a later turn reuses the cache instead of
 * recomputing the history. The last generated token has not been fed to the model yet; the next
 * turn feeds it first (exactly what recomputing prompt + answer + next prompt would see).
 */
public final class Conversation implements AutoCloseable {
    private final VideoLlava model;
    private final KvCache kvCache;
    private int pendingToken = -1;

    /** What one turn read and produced. */
    public record Turn(AssembledPrompt prompt, GenerationResult result) {
        public int promptTokens() {
            return prompt.length();
        }
    }

    public Conversation(VideoLlava model, int contextLength) {
        this.model = model;
        this.kvCache = model.decoder().newKvCache(contextLength);
    }

    public KvCache kvCache() {
        return kvCache;
    }

    /** Forgets the dialogue (the cache's memory is kept for the next one). */
    public void reset() {
        kvCache.reset();
        pendingToken = -1;
    }

    /**
     * @param promptIds tokenized prompt with {@code <image>} / {@code <video>} as single ids
     *                  (BOS included on a first turn, as the tokenizer adds it)
     * @param media     images and videos in the order their placeholders appear
     */
    public Turn ask(int[] promptIds, List<VisualInput> media, GenerationOptions options, TokenListener listener) {
        int[] ids = pendingToken < 0 ? promptIds : prepend(pendingToken, promptIds);
        AssembledPrompt prompt = assemble(ids, media);
        requireContext(prompt, options.maxNewTokens());

        long start = System.nanoTime();
        List<Tensor> images = new ArrayList<>();
        List<Tensor> videos = new ArrayList<>();
        Tensor logits;
        double visionMs;
        try {
            for (VisualInput input : media) {
                if (input.kind() == VisualInput.Kind.IMAGE) {
                    images.add(model.imageFeatures(input.pixels(), input.frames()));
                } else {
                    videos.add(model.videoFeatures(input.pixels(), input.frames()));
                }
            }
            visionMs = (System.nanoTime() - start) / 1e6;
            try (Tensor embeddings = model.inputEmbeddings(prompt, images, videos)) {
                logits = model.decoder().prefill(embeddings, kvCache);
            }
        } finally {
            images.forEach(Tensor::close);
            videos.forEach(Tensor::close);
        }
        double prefillMs = (System.nanoTime() - start) / 1e6 - visionMs;

        GenerationResult result = Generator.generate(model.engine(), logits,
                token -> model.decoder().decodeStep(token, kvCache), options, listener);
        int[] generated = result.tokenIds();
        pendingToken = generated[generated.length - 1];
        Timings timings = new Timings(visionMs, prefillMs, result.timings().decodeMs());
        return new Turn(prompt, result.withTimings(timings));
    }

    /** Length of the expanded prompt {@link #ask} would feed for {@code promptIds} (the pending token included). */
    public int promptLength(int[] promptIds, List<VisualInput> media) {
        return assemble(pendingToken < 0 ? promptIds : prepend(pendingToken, promptIds), media).length();
    }

    private AssembledPrompt assemble(int[] ids, List<VisualInput> media) {
        int images = 0;
        List<Integer> videoFrames = new ArrayList<>();
        for (VisualInput input : media) {
            if (input.kind() == VisualInput.Kind.IMAGE) {
                images += input.frames();
            } else {
                videoFrames.add(input.frames());
            }
        }
        return model.prompts().assemble(ids, images, videoFrames);
    }

    /**
     * The prompt must fit with room for every token that may be generated: a prompt that fits but
     * leaves less than {@code maxNewTokens} free fails before any work, rather than mid-answer.
     */
    private void requireContext(AssembledPrompt prompt, int maxNewTokens) {
        int used = kvCache.length();
        int capacity = kvCache.capacity();
        if (used + prompt.length() > capacity) {
            throw VllavaException.contextOverflow(
                    "the prompt needs %d tokens (%d of them visual)%s but the context holds %d",
                    prompt.length(), prompt.visualTokens(), used > 0 ? " after " + used + " earlier tokens" : "", capacity);
        }
        if (used + prompt.length() + maxNewTokens > capacity) {
            throw VllavaException.contextOverflow(
                    "%d prompt tokens%s + %d max new tokens = %d exceed the context of %d tokens; lower --max-new-tokens to at most %d",
                    prompt.length(), used > 0 ? " + " + used + " earlier tokens" : "", maxNewTokens,
                    used + prompt.length() + maxNewTokens, capacity, capacity - used - prompt.length());
        }
    }

    private static int[] prepend(int first, int[] rest) {
        int[] ids = new int[rest.length + 1];
        ids[0] = first;
        System.arraycopy(rest, 0, ids, 1, rest.length);
        return ids;
    }

    @Override
    public void close() {
        kvCache.close();
    }
}
