package dev.vllava.model;

import dev.vllava.VllavaException;
import dev.vllava.engine.Tensor;
import dev.vllava.generate.FinishReason;
import dev.vllava.generate.GenerationOptions;
import dev.vllava.generate.Sampler;
import dev.vllava.generate.Timings;
import dev.vllava.generate.TokenListener;
import dev.vllava.model.PromptAssembler.AssembledPrompt;
import dev.vllava.tokenizer.Tokenizer;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;

/**
 * Several one-turn questions answered together (batch evaluation). Each prompt is prefilled alone into its
 * own KV cache ({@link #start}), as {@link Pipeline#answer} does; then the unfinished sequences decode in
 * lock-step through a {@link BatchDecoder} ({@link #finish}), each stopping at its own end-of-sequence
 * token or token limit and leaving the batch (its cache freed) while the others go on.
 *
 * <p>With greedy decoding on the CPU engine every answer is exactly {@code Pipeline.answer}'s: the prefill
 * and the first token are computed by the same code, and each decode step's rows are formed as a single
 * row would be, as long as a step holds at most {@link BatchDecoder#EXACT_ROWS} rows (the default
 * {@code rowsPerStep}; larger batches decode in groups of that many). With sampling, each sequence draws
 * from its own generator seeded with the options' seed, so its draws differ from {@code Pipeline.answer}'s.
 */
public final class BatchSession {
    private final Pipeline pipeline;
    private final BatchDecoder decoder;
    private final int rowsPerStep;

    public BatchSession(Pipeline pipeline) {
        this(pipeline, BatchDecoder.EXACT_ROWS);
    }

    /** @param rowsPerStep most sequences in one decode step; more running sequences step in groups */
    public BatchSession(Pipeline pipeline, int rowsPerStep) {
        if (rowsPerStep < 1) {
            throw new IllegalArgumentException("rows per step must be at least 1, got " + rowsPerStep);
        }
        this.pipeline = pipeline;
        this.decoder = new BatchDecoder(pipeline.model().decoder());
        this.rowsPerStep = rowsPerStep;
    }

    /** All {@code prompts} (with their {@code media}) answered together; the answers in order. */
    public List<Answer> answer(List<String> prompts, List<List<VisualInput>> media, GenerationOptions options) {
        List<Sequence> sequences = new ArrayList<>();
        try {
            for (int i = 0; i < prompts.size(); i++) {
                sequences.add(start(prompts.get(i), media.get(i), options));
            }
            finish(sequences);
            return sequences.stream().map(Sequence::answer).toList();
        } finally {
            sequences.forEach(Sequence::close);
        }
    }

    /**
     * Reads the prompt and chooses the first token. The sequence holds its KV cache until it finishes
     * (or is closed). Throws a context overflow when prompt + {@code maxNewTokens} exceed the model's
     * context, and a usage error when the media do not match the placeholders, before any work.
     */
    public Sequence start(String prompt, List<VisualInput> media, GenerationOptions options) {
        int[] ids = pipeline.tokenizer().encode(prompt, true);
        int contextLength = requireContext(ids, media, options.maxNewTokens());
        Conversation conversation = new Conversation(pipeline.model(), contextLength);
        try {
            // Prefill and the first token, exactly as the first step of Pipeline.answer; the token is not fed yet.
            GenerationOptions firstToken = new GenerationOptions(1, options.sampling(), options.eosTokenIds());
            Conversation.Turn turn = conversation.ask(ids, media, firstToken, TokenListener.NONE);
            Sequence sequence = new Sequence(conversation, new Sampler(pipeline.engine(), options.sampling()),
                    pipeline.tokenizer(), options, turn.promptTokens(), turn.result().timings());
            sequence.accept(turn.result().tokenIds()[0]);
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
        List<KvCache> caches = group.stream().map(s -> s.conversation.kvCache()).toList();
        try (Tensor logits = decoder.step(lastTokens, caches)) {
            for (int b = 0; b < group.size(); b++) {
                Sequence sequence = group.get(b);
                sequence.accept(sequence.sampler.next(logits.rowSlice(b, 1)));
            }
        }
    }

    /**
     * The KV cache length {@link Pipeline#answer} would use (prompt + max new tokens, capped at the
     * model's context), after checking that the prompt and every token it may generate fit.
     */
    private int requireContext(int[] ids, List<VisualInput> media, int maxNewTokens) {
        int images = 0;
        List<Integer> videoFrames = new ArrayList<>();
        for (VisualInput input : media) {
            if (input.kind() == VisualInput.Kind.IMAGE) {
                images += input.frames();
            } else {
                videoFrames.add(input.frames());
            }
        }
        AssembledPrompt prompt = pipeline.model().prompts().assemble(ids, images, videoFrames);
        int context = pipeline.maxContextLength();
        if (prompt.length() > context) {
            throw VllavaException.contextOverflow("the prompt needs %d tokens (%d of them visual) but the context holds %d",
                    prompt.length(), prompt.visualTokens(), context);
        }
        if ((long) prompt.length() + maxNewTokens > context) {
            throw VllavaException.contextOverflow(
                    "%d prompt tokens + %d max new tokens = %d exceed the context of %d tokens; lower --max-new-tokens to at most %d",
                    prompt.length(), maxNewTokens, (long) prompt.length() + maxNewTokens, context, context - prompt.length());
        }
        return prompt.length() + maxNewTokens;
    }

    /** One question being answered: its cache, its sampler and the tokens chosen so far. */
    public static final class Sequence implements AutoCloseable {
        private final Conversation conversation;
        private final Sampler sampler;
        private final Tokenizer tokenizer;
        private final GenerationOptions options;
        private final int promptTokens;
        private final Timings prefillTimings;
        /** Decode time runs from the prefill's end to the last token (other sequences' work included). */
        private final long decodeStart = System.nanoTime();
        private final int[] tokens;
        private int count;
        private FinishReason finishReason;
        private double decodeMs;

        private Sequence(Conversation conversation, Sampler sampler, Tokenizer tokenizer, GenerationOptions options,
                int promptTokens, Timings prefillTimings) {
            this.conversation = conversation;
            this.sampler = sampler;
            this.tokenizer = tokenizer;
            this.options = options;
            this.promptTokens = promptTokens;
            this.prefillTimings = prefillTimings;
            this.tokens = new int[options.maxNewTokens()];
        }

        public boolean finished() {
            return finishReason != null;
        }

        int lastToken() {
            return tokens[count - 1];
        }

        /** Appends a chosen token; an end-of-sequence id or the token limit finishes (and frees the cache). */
        private void accept(int token) {
            tokens[count++] = token;
            if (options.eosTokenIds().contains(token)) {
                finishReason = FinishReason.STOP;
            } else if (count == options.maxNewTokens()) {
                finishReason = FinishReason.LENGTH;
            }
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
            int[] generated = Arrays.copyOf(tokens, count);
            Timings timings = new Timings(prefillTimings.visionMs(), prefillTimings.prefillMs(), decodeMs);
            return new Answer(tokenizer.decode(generated, true), generated, promptTokens, finishReason, timings);
        }

        /** Frees the KV cache (done on finishing; safe to repeat). */
        @Override
        public void close() {
            conversation.close();
        }
    }
}
