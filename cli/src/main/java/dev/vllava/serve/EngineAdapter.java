package dev.vllava.serve;

import dev.vllava.VllavaException;
import dev.vllava.engine.Tensor;
import dev.vllava.generate.Sampler;
import dev.vllava.generate.SamplingOptions;
import dev.vllava.model.BatchDecoder;
import dev.vllava.model.KvCache;
import dev.vllava.model.Pipeline;
import dev.vllava.model.PromptAssembler.AssembledPrompt;
import dev.vllava.model.VideoLlava;
import dev.vllava.model.VisualInput;
import dev.vllava.tokenizer.StreamingDecoder;
import java.util.ArrayList;
import java.util.List;
import java.util.Set;

/**
 * The server's only contact with the model API: prefill one prompt into its own KV cache, then decode any
 * set of running sequences one token each in a single batched step ({@link BatchDecoder}), so sequences
 * join and leave between steps. Everything here runs on the scheduler's thread, which owns the engine.
 *
 * <p>The prefill repeats {@code Conversation.ask}'s first turn step by step (same tokenization, prompt
 * assembly, features, prefill, sampler) so that an answer is {@code ask}'s answer: greedy ids are identical as
 * long as a step holds at most {@link BatchDecoder#EXACT_ROWS} rows on the CPU engine; a sampled answer draws
 * from a sampler seeded as {@code ask --seed} seeds it. The one addition is the visual-feature cache: the
 * projected features of a medium seen recently (same bytes, same frame count) are reused instead of
 * running the vision tower again.
 */
final class EngineAdapter implements AutoCloseable {
    /** ask's default token limit, lowered to what the context has room for. */
    static final int DEFAULT_MAX_TOKENS = 512;

    private final Pipeline pipeline;
    private final VideoLlava model;
    private final BatchDecoder batch;
    private final Set<Integer> eosTokenIds;
    private final LruCache<String, Tensor> features;

    EngineAdapter(Pipeline pipeline, int featureCacheEntries) {
        this.pipeline = pipeline;
        this.model = pipeline.model();
        this.batch = new BatchDecoder(model.decoder());
        this.eosTokenIds = pipeline.eosTokenIds();
        this.features = new LruCache<>(featureCacheEntries, Tensor::close);
    }

    /** Rows of one decode step whose logits equal a single sequence's on the CPU engine. */
    static int exactRows() {
        return BatchDecoder.EXACT_ROWS;
    }

    LruCache<String, Tensor> featureCache() {
        return features;
    }

    StreamingDecoder textDecoder() {
        return pipeline.tokenizer().streamingDecoder();
    }

    boolean isEndOfSequence(int token) {
        return eosTokenIds.contains(token);
    }

    /**
     * Reads the prompt into a new KV cache (sized prompt + token limit, as {@code ask} sizes it) and chooses
     * the first token. Prompts that do not fit, and placeholders that do not match the media, are the
     * client's mistake (400).
     */
    Sequence start(String prompt, List<Medium> media, Integer maxTokens, SamplingOptions sampling) {
        try {
            int[] ids = pipeline.tokenizer().encode(prompt, true);
            AssembledPrompt assembled = assemble(ids, media);
            int context = pipeline.maxContextLength();
            int room = context - assembled.length();
            int maxNewTokens = maxTokens != null ? maxTokens : Math.max(1, Math.min(DEFAULT_MAX_TOKENS, room));
            if ((long) assembled.length() + maxNewTokens > context) {
                throw new ApiException(400, "invalid_request_error", "context_length_exceeded", "messages", String.format(
                        "This model's context holds %d tokens; the messages need %d (%d of them visual) and max_tokens asks for %d.",
                        context, assembled.length(), assembled.visualTokens(), maxNewTokens));
            }
            KvCache cache = model.decoder().newKvCache(assembled.length() + maxNewTokens);
            try {
                Sampler sampler = new Sampler(model.engine(), sampling);
                int first = sampler.next(prefill(assembled, media, cache));
                return new Sequence(cache, sampler, first, assembled.length(), maxNewTokens);
            } catch (RuntimeException e) {
                cache.close();
                throw e;
            }
        } catch (VllavaException e) {
            throw asApiError(e);
        }
    }

    /** One decode step of every sequence in {@code running}: each is fed its last token and given its next. */
    void step(List<Sequence> running) {
        int[] tokens = running.stream().mapToInt(Sequence::lastToken).toArray();
        List<KvCache> caches = running.stream().map(s -> s.cache).toList();
        try (Tensor logits = batch.step(tokens, caches)) {
            for (int b = 0; b < running.size(); b++) {
                Sequence sequence = running.get(b);
                sequence.lastToken = sequence.sampler.next(logits.rowSlice(b, 1));
                sequence.generated++;
            }
        }
    }

    /** The prefill's logits (owned by the decoder, valid until its next call). */
    private Tensor prefill(AssembledPrompt prompt, List<Medium> media, KvCache cache) {
        List<Tensor> images = new ArrayList<>();
        List<Tensor> videos = new ArrayList<>();
        for (Medium medium : media) {
            (medium.input().kind() == VisualInput.Kind.IMAGE ? images : videos).add(visualFeatures(medium));
        }
        try (Tensor embeddings = model.inputEmbeddings(prompt, images, videos)) {
            return model.decoder().prefill(embeddings, cache);
        }
    }

    /** The medium's projected features, from the cache when its bytes were seen recently. */
    private Tensor visualFeatures(Medium medium) {
        Tensor cached = features.get(medium.key());
        if (cached != null) {
            return cached;
        }
        VisualInput input = medium.input();
        Tensor computed = input.kind() == VisualInput.Kind.IMAGE
                ? model.imageFeatures(input.pixels(), input.frames())
                : model.videoFeatures(input.pixels(), input.frames());
        features.put(medium.key(), computed);
        return computed;
    }

    private AssembledPrompt assemble(int[] ids, List<Medium> media) {
        int images = 0;
        List<Integer> videoFrames = new ArrayList<>();
        for (Medium medium : media) {
            if (medium.input().kind() == VisualInput.Kind.IMAGE) {
                images += medium.input().frames();
            } else {
                videoFrames.add(medium.input().frames());
            }
        }
        return model.prompts().assemble(ids, images, videoFrames);
    }

    private static ApiException asApiError(VllavaException e) {
        return switch (e.failure()) {
            case USAGE, CONTEXT_OVERFLOW -> ApiException.badRequest("messages", "%s", e.getMessage());
            case MEDIA -> ApiException.undecodableMedia(e.getMessage());
            default -> ApiException.internal(e.getMessage());
        };
    }

    /** Frees the cached visual features (engine memory); the pipeline stays the caller's. */
    @Override
    public void close() {
        features.clear();
    }

    /** One answer being generated: its KV cache, its sampler and the token to feed next. */
    static final class Sequence implements AutoCloseable {
        private final KvCache cache;
        private final Sampler sampler;
        private final int promptTokens;
        private final int maxNewTokens;
        private int lastToken;
        private int generated = 1;

        private Sequence(KvCache cache, Sampler sampler, int firstToken, int promptTokens, int maxNewTokens) {
            this.cache = cache;
            this.sampler = sampler;
            this.lastToken = firstToken;
            this.promptTokens = promptTokens;
            this.maxNewTokens = maxNewTokens;
        }

        int lastToken() {
            return lastToken;
        }

        int promptTokens() {
            return promptTokens;
        }

        int generated() {
            return generated;
        }

        boolean atTokenLimit() {
            return generated >= maxNewTokens;
        }

        /** Frees the KV cache; safe to repeat. */
        @Override
        public void close() {
            cache.close();
        }
    }
}
