package dev.vllava.model;

import dev.vllava.engine.Tensor;
import dev.vllava.generate.FinishReason;
import dev.vllava.generate.GenerationOptions;
import dev.vllava.generate.GenerationResult;
import dev.vllava.generate.Sampler;
import dev.vllava.generate.Timings;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;

/**
 * Several one-turn questions answered together (batch evaluation). Each prompt is prefilled alone into its
 * own KV cache ({@link #start}), as {@link LoadedVideoLlava#answer} does; then the unfinished sequences decode in
 * lock-step through the decoder's batched step ({@link LlamaDecoder#decodeStep(int[], List)}, in {@link #finish}),
 * each stopping by {@link GenerationOptions#finishAfter} and leaving the batch (its cache freed) while the
 * others go on.
 *
 * <p>Every answer is exactly {@code LoadedVideoLlava.answer}'s, sampling included (each sequence has its own
 * sampler seeded as a single answer's), as long as a step holds at most the engine's
 * {@link dev.vllava.engine.Engine#rowIndependentMatmulRows()} rows (the default {@code rowsPerStep}; larger
 * batches decode in groups of that many).
 */
public final class BatchGenerator {
    private final LoadedVideoLlava pipeline;
    private final LlamaDecoder decoder;
    private final int rowsPerStep;

    public BatchGenerator(LoadedVideoLlava pipeline) {
        this(pipeline, pipeline.engine().rowIndependentMatmulRows());
    }

    /** @param rowsPerStep most sequences in one decode step; more running sequences step in groups */
    public BatchGenerator(LoadedVideoLlava pipeline, int rowsPerStep) {
        if (rowsPerStep < 1) {
            throw new IllegalArgumentException("rows per step must be at least 1, got " + rowsPerStep);
        }
        this.pipeline = pipeline;
        this.decoder = pipeline.model().decoder();
        this.rowsPerStep = rowsPerStep;
    }

    /** All {@code prompts} (with their {@code media}) answered together; the answers in order. */
    public List<Answer> answer(List<String> prompts, List<List<VisualInput>> media, GenerationOptions options) {
        List<Sequence> sequences = new ArrayList<>();
        try {
            for (int i = 0; i < prompts.size(); i++) {
                sequences.add(start(pipeline.prepare(prompts.get(i), media.get(i)), options));
            }
            finish(sequences);
            return sequences.stream().map(Sequence::answer).toList();
        } finally {
            sequences.forEach(Sequence::close);
        }
    }

    public Sequence start(String prompt, List<VisualInput> media, GenerationOptions options) {
        return start(pipeline.prepare(prompt, media), options);
    }

    /**
     * Reads the prompt and chooses the first token. The sequence holds its KV cache until it finishes
     * (or is closed). Throws a {@link ContextOverflow} when prompt + max new tokens exceed the model's
     * context, before any work.
     */
    public Sequence start(PreparedPrompt prompt, GenerationOptions options) {
        return start(new Conversation(pipeline.model(), pipeline.contextFor(prompt, options.maxNewTokens())), prompt, options);
    }

    /** {@link #start(PreparedPrompt, GenerationOptions)} on a media prefix that covers the prompt: only its own tokens are prefilled. */
    public Sequence start(MediaPrefix prefix, PreparedPrompt prompt, GenerationOptions options) {
        if (!prefix.covers(prompt)) {
            throw new IllegalArgumentException("the prompt does not start with the media prefix");
        }
        return start(new Conversation(prefix, pipeline.contextFor(prompt, options.maxNewTokens())), prompt, options);
    }

    private Sequence start(Conversation conversation, PreparedPrompt prompt, GenerationOptions options) {
        try {
            Conversation.Prefill prefill = conversation.prefill(prompt, options.maxNewTokens());
            Sequence sequence = new Sequence(conversation, new Sampler(pipeline.engine(), options.sampling()), options, prefill);
            sequence.accept(sequence.sampler.next(prefill.logits()));
            return sequence;
        } catch (RuntimeException e) {
            conversation.close();
            throw e;
        }
    }

    /** Decodes {@code sequences} until every one has finished. */
    public void finish(List<Sequence> sequences) {
        List<Sequence> running = new ArrayList<>(sequences.stream().filter(s -> !s.finished()).toList());
        while (!running.isEmpty()) {
            for (int from = 0; from < running.size(); from += rowsPerStep) {
                step(running.subList(from, Math.min(running.size(), from + rowsPerStep)));
            }
            running.removeIf(Sequence::finished);
        }
    }

    /** Feeds each sequence its last token and appends the token chosen from its row of the logits. */
    private void step(List<Sequence> group) {
        int[] lastTokens = group.stream().mapToInt(Sequence::lastToken).toArray();
        Tensor logits = decoder.decodeStep(lastTokens, group.stream().map(s -> s.conversation.kvCache()).toList());
        for (int b = 0; b < group.size(); b++) {
            Sequence sequence = group.get(b);
            sequence.accept(sequence.sampler.next(logits.rowSlice(b, 1)));
        }
    }

    /** One question being answered: its cache, its sampler and the tokens chosen so far. */
    public final class Sequence implements AutoCloseable {
        private final Conversation conversation;
        private final Sampler sampler;
        private final GenerationOptions options;
        private final Conversation.Prefill prefill;
        /** Decode time runs from the prefill's end to the last token (other sequences' work included). */
        private final long decodeStart = System.nanoTime();
        private final int[] tokens;
        private int count;
        private FinishReason finishReason;
        private double decodeMs;

        private Sequence(Conversation conversation, Sampler sampler, GenerationOptions options, Conversation.Prefill prefill) {
            this.conversation = conversation;
            this.sampler = sampler;
            this.options = options;
            this.prefill = prefill;
            this.tokens = new int[options.maxNewTokens()];
        }

        public boolean finished() {
            return finishReason != null;
        }

        int lastToken() {
            return tokens[count - 1];
        }

        /** Appends a chosen token; the stopping rule finishes the sequence (and frees its cache). */
        private void accept(int token) {
            tokens[count++] = token;
            finishReason = options.finishAfter(token, count);
            if (finished()) {
                decodeMs = (System.nanoTime() - decodeStart) / 1e6;
                close();
            }
        }

        /** The answer of a finished sequence, as {@link Session#ask} gives it. */
        public Answer answer() {
            if (!finished()) {
                throw new IllegalStateException("the sequence has not finished");
            }
            Timings timings = new Timings(prefill.visionMs(), prefill.prefillMs(), decodeMs);
            return Answer.of(pipeline.tokenizer(), new GenerationResult(Arrays.copyOf(tokens, count), finishReason, timings),
                    prefill.promptTokens());
        }

        /** Frees the KV cache (done on finishing; safe to repeat). */
        @Override
        public void close() {
            conversation.close();
        }
    }
}
