package dev.vllava.model;

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
    /**
     * The media head of the dialogue's first prompt, whose rows stay at the start of the cache across
     * {@link #reset} (null: none): a next first prompt on the same media reads only what follows them.
     */
    private MediaHead head;
    private int pendingToken = -1;

    /** What one turn read and produced. */
    public record Turn(int promptTokens, GenerationResult result) {}

    /**
     * A prompt read into the cache: the logits after its last token (valid until the model's next step),
     * the tokens it added (the pending answer token included) and the time of each phase.
     */
    public record Prefill(Tensor logits, int promptTokens, double visionMs, double prefillMs) {}

    public Conversation(VideoLlava model, int contextLength) {
        this(model, model.decoder().newKvCache(contextLength));
    }

    /**
     * A dialogue whose cache starts with {@code prefix}'s tokens (its blocks shared, not copied): a first
     * prompt that {@link MediaPrefix#covers starts with them} prefills only what follows. The prefix stays
     * the caller's to close, after this conversation.
     */
    public Conversation(MediaPrefix prefix, int contextLength) {
        this(prefix.model(), prefix.fork(contextLength));
        this.head = prefix.head();
    }

    Conversation(VideoLlava model, KvCache kvCache) {
        this.model = model;
        this.kvCache = kvCache;
    }

    VideoLlava model() {
        return model;
    }

    public KvCache kvCache() {
        return kvCache;
    }

    /**
     * Forgets the dialogue (the cache's memory is kept for the next one). The first prompt's media head stays
     * in the cache: a next first prompt on the same media reads only what follows it; one on other media
     * drops it.
     */
    public void reset() {
        if (head != null && kvCache.length() >= head.length()) {
            kvCache.truncate(head.length());
        } else {
            kvCache.reset();
        }
        pendingToken = -1;
    }

    /** Tokens {@link #ask} adds to the cache for {@code prompt} before generating (the pending answer token included). */
    public int tokensFor(PreparedPrompt prompt) {
        return prompt.length() + (pendingToken < 0 ? 0 : 1);
    }

    /** Free room in the cache: what the next prompt and its answer may use together. */
    public int freeContext() {
        return kvCache.remaining();
    }

    /** Reads {@code prompt} and generates the answer. */
    public Turn ask(PreparedPrompt prompt, GenerationOptions options, TokenListener listener) {
        Prefill prefill = prefill(prompt, options.maxNewTokens());
        GenerationResult result = Generator.generate(model.engine(), prefill.logits(),
                token -> model.decoder().decodeStep(token, kvCache), options, listener);
        int[] generated = result.tokenIds();
        pendingToken = generated[generated.length - 1];
        Timings timings = new Timings(prefill.visionMs(), prefill.prefillMs(), result.timings().decodeMs());
        return new Turn(prefill.promptTokens(), result.withTimings(timings));
    }

    /**
     * @param promptIds tokenized prompt with {@code <image>} / {@code <video>} as single ids
     *                  (BOS included on a first turn, as the tokenizer adds it)
     * @param media     images and videos in the order their placeholders appear
     */
    public Turn ask(int[] promptIds, List<VisualInput> media, GenerationOptions options, TokenListener listener) {
        return ask(new PreparedPrompt(model.prompts().assemble(promptIds, media), media), options, listener);
    }

    /**
     * Encodes the prompt's media and prefills it (after the pending answer token, if any), after checking
     * that it fits with {@code maxNewTokens} more. The caller chooses the first token from the logits.
     */
    public Prefill prefill(PreparedPrompt prompt, int maxNewTokens) {
        if (head != null && pendingToken < 0 && kvCache.length() == head.length()) {
            if (head.covers(prompt)) {
                return prefillAfterHead(prompt, maxNewTokens);
            }
            head = null;
            kvCache.reset();
        }
        MediaHead firstHead = kvCache.length() == 0 && pendingToken < 0 ? MediaHead.of(prompt) : null;
        AssembledPrompt assembled = pendingToken < 0 ? prompt.assembled() : prompt.assembled().after(pendingToken);
        ContextOverflow.require(kvCache.length(), prompt, assembled.length(), maxNewTokens, kvCache.capacity());
        long start = System.nanoTime();
        List<Tensor> images = new ArrayList<>();
        List<Tensor> videos = new ArrayList<>();
        try {
            for (VisualInput input : prompt.media()) {
                (input.kind() == MediaKind.IMAGE ? images : videos).add(features(input));
            }
            double visionMs = (System.nanoTime() - start) / 1e6;
            try (Tensor embeddings = model.inputEmbeddings(assembled, images, videos)) {
                Tensor logits = model.decoder().prefill(embeddings, kvCache);
                pendingToken = -1;
                if (firstHead != null) {
                    head = firstHead;
                }
                return new Prefill(logits, assembled.length(), visionMs, (System.nanoTime() - start) / 1e6 - visionMs);
            }
        } finally {
            images.forEach(Tensor::close);
            videos.forEach(Tensor::close);
        }
    }

    /** The projected features of one medium: from the model's feature cache when it holds them, else computed (and stored there). */
    private Tensor features(VisualInput input) {
        FeatureCache cache = model.featureCache();
        byte[] key = cache == null ? null : cache.key(input, model.visualTokens());
        int columns = model.config().text().hiddenSize();
        FeatureCache.Entry stored = key == null ? null : cache.load(key, columns);
        if (stored != null) {
            return model.engine().upload(stored.values(), stored.rows(), stored.columns());
        }
        Tensor features = input.kind() == MediaKind.IMAGE
                ? model.imageFeatures(input.pixels(), input.frames()) : model.videoFeatures(input.pixels(), input.frames());
        if (key != null) {
            cache.store(key, features.rows(), features.columns(), model.engine().download(features));
        }
        return features;
    }

    /** The prompt's tokens after its media head, already in the cache; the context check counts the whole prompt. */
    private Prefill prefillAfterHead(PreparedPrompt prompt, int maxNewTokens) {
        ContextOverflow.require(0, prompt, prompt.length(), maxNewTokens, kvCache.capacity());
        long start = System.nanoTime();
        try (Tensor embeddings = model.inputEmbeddings(prompt.assembled().from(head.length()), List.of(), List.of())) {
            Tensor logits = model.decoder().prefill(embeddings, kvCache);
            return new Prefill(logits, prompt.length(), 0, (System.nanoTime() - start) / 1e6);
        }
    }

    @Override
    public void close() {
        kvCache.close();
    }
}
