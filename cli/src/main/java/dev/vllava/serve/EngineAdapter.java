package dev.vllava.serve;

import dev.vllava.VllavaException;
import dev.vllava.engine.Tensor;
import dev.vllava.generate.Sampler;
import dev.vllava.generate.SamplingOptions;
import dev.vllava.model.Conversation;
import dev.vllava.model.KvCache;
import dev.vllava.model.LlamaDecoder;
import dev.vllava.model.LoadedVideoLlava;
import dev.vllava.model.MediaPrefix;
import dev.vllava.model.MediaPrefixes;
import dev.vllava.model.PreparedPrompt;
import dev.vllava.tokenizer.StreamingDecoder;
import java.util.ArrayList;
import java.util.List;
import java.util.Set;
import java.util.concurrent.atomic.AtomicLong;

/**
 * The server's only contact with the model API: prefill one prompt into its own KV cache, then decode any
 * set of running sequences one token each in one batched pass of the decoder
 * ({@link LlamaDecoder#decodeStep(int[], List)}), so sequences join and leave between steps. Everything here
 * runs on the scheduler's thread, which owns the engine.
 *
 * <p>A prompt is prepared and prefilled exactly as {@code ask} does it ({@link LoadedVideoLlava#prepare}, then
 * {@link Conversation#prefill}, a sampler seeded as {@code ask --seed} seeds it), so an answer is {@code ask}'s
 * answer: greedy ids are identical as long as a step holds at most the engine's
 * {@link dev.vllava.engine.Engine#rowIndependentMatmulRows()} rows (the default batch).
 *
 * <p>Requests about media the server has just seen share its {@link MediaPrefix}: the media's visual features
 * and the prompt's KV blocks up to the end of the last medium are computed once, and a later prompt that starts
 * the same way (same text before the media, same pixels) prefills only what follows, its cache sharing the
 * prefix's blocks. The {@code prefixLimit} most recently used prefixes are kept; older ones are closed (a
 * sequence already started on one keeps its blocks until it finishes).
 */
final class EngineAdapter implements AutoCloseable {
    /** ask's default token limit, lowered to what the context has room for. */
    static final int DEFAULT_MAX_TOKENS = 512;

    private final LoadedVideoLlava pipeline;
    private final LlamaDecoder decoder;
    private final Set<Integer> eosTokenIds;
    private final int prefixLimit;
    private final MediaPrefixes prefixes;
    /** The kept prefixes, most recently used first. */
    private final List<MediaPrefix> recentPrefixes = new ArrayList<>();
    private final AtomicLong prefixHits = new AtomicLong();
    private final AtomicLong prefixMisses = new AtomicLong();

    /** @param prefixLimit media prefixes kept for later requests; 0 shares none */
    EngineAdapter(LoadedVideoLlava pipeline, int prefixLimit) {
        this.pipeline = pipeline;
        this.decoder = pipeline.model().decoder();
        this.eosTokenIds = pipeline.eosTokenIds();
        this.prefixLimit = prefixLimit;
        this.prefixes = new MediaPrefixes(pipeline);
    }

    /** Requests whose media prefix was already open (their media neither encoded nor prefilled again). */
    long prefixHits() {
        return prefixHits.get();
    }

    /** Requests with media whose prefix had to be read. */
    long prefixMisses() {
        return prefixMisses.get();
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
            PreparedPrompt prepared = pipeline.prepare(prompt, media.stream().map(Medium::input).toList());
            int context = pipeline.maxContextLength();
            int room = context - prepared.length();
            int maxNewTokens = maxTokens != null ? maxTokens : Math.max(1, Math.min(DEFAULT_MAX_TOKENS, room));
            if ((long) prepared.length() + maxNewTokens > context) {
                throw new ApiException(400, "invalid_request_error", "context_length_exceeded", "messages", String.format(
                        "This model's context holds %d tokens; the messages need %d (%d of them visual) and max_tokens asks for %d.",
                        context, prepared.length(), prepared.assembled().visualTokens(), maxNewTokens));
            }
            MediaPrefix prefix = sharedPrefix(prepared);
            Conversation conversation = prefix == null
                    ? new Conversation(pipeline.model(), prepared.length() + maxNewTokens)
                    : new Conversation(prefix, prepared.length() + maxNewTokens);
            try {
                Tensor logits = conversation.prefill(prepared, maxNewTokens).logits();
                Sampler sampler = new Sampler(pipeline.engine(), sampling);
                return new Sequence(conversation, sampler, sampler.next(logits), prepared.length(), maxNewTokens);
            } catch (RuntimeException e) {
                conversation.close();
                throw e;
            }
        } catch (VllavaException e) {
            throw asApiError(e);
        }
    }

    /** One decode step of every sequence in {@code running}: each is fed its last token and given its next. */
    void step(List<Sequence> running) {
        int[] tokens = running.stream().mapToInt(Sequence::lastToken).toArray();
        List<KvCache> caches = running.stream().map(s -> s.conversation.kvCache()).toList();
        Tensor logits = decoder.decodeStep(tokens, caches); // the decoder's buffer, valid until its next step
        for (int b = 0; b < running.size(); b++) {
            Sequence sequence = running.get(b);
            sequence.lastToken = sequence.sampler.next(logits.rowSlice(b, 1));
            sequence.generated++;
        }
    }

    /** The open prefix {@code prompt} starts with, else one read from it; null when none is kept or the prompt has none. */
    private MediaPrefix sharedPrefix(PreparedPrompt prompt) {
        if (prefixLimit == 0 || !MediaPrefix.sharable(prompt)) {
            return null;
        }
        MediaPrefix prefix = prefixes.covering(prompt);
        (recentPrefixes.remove(prefix) ? prefixHits : prefixMisses).incrementAndGet();
        recentPrefixes.addFirst(prefix);
        if (recentPrefixes.size() > prefixLimit) {
            recentPrefixes.removeLast();
            prefixes.keepOnly(recentPrefixes);
        }
        return prefix;
    }

    private static ApiException asApiError(VllavaException e) {
        return switch (e.failure()) {
            case USAGE, CONTEXT_OVERFLOW -> ApiException.badRequest("messages", "%s", e.getMessage());
            case MEDIA -> ApiException.undecodableMedia(e.getMessage());
            default -> ApiException.internal(e.getMessage());
        };
    }

    /** Frees the kept prefixes (engine memory); the pipeline stays the caller's. */
    @Override
    public void close() {
        recentPrefixes.clear();
        prefixes.close();
    }

    /** One answer being generated: its dialogue (KV cache), its sampler and the token to feed next. */
    static final class Sequence implements AutoCloseable {
        private final Conversation conversation;
        private final Sampler sampler;
        private final int promptTokens;
        private final int maxNewTokens;
        private int lastToken;
        private int generated = 1;

        private Sequence(Conversation conversation, Sampler sampler, int firstToken, int promptTokens, int maxNewTokens) {
            this.conversation = conversation;
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

        /** Frees the KV cache (a shared prefix's blocks stay with the prefix); safe to repeat. */
        @Override
        public void close() {
            conversation.close();
        }
    }
}
