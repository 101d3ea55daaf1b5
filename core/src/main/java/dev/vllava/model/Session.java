package dev.vllava.model;

import dev.vllava.generate.GenerationOptions;
import dev.vllava.generate.TokenListener;
import dev.vllava.tokenizer.Tokenizer;
import java.util.List;

/**
 * A text-level dialogue: prompts in, {@link Answer}s out, over one {@link Conversation} (so the KV cache
 * carries the history between turns). The first prompt is tokenized with BOS; later prompts are
 * continuations, tokenized without it. The previous answer's last token (normally {@code </s>}) is
 * fed before the next prompt, so a later turn is {@link ChatTemplate#nextTurn}.
 */
public final class Session implements AutoCloseable {
    private final Tokenizer tokenizer;
    private final Conversation conversation;
    private boolean started;

    Session(Tokenizer tokenizer, Conversation conversation) {
        this.tokenizer = tokenizer;
        this.conversation = conversation;
    }

    /** Reads the next prompt once: tokenized (BOS only when it opens the dialogue) and checked against its media. */
    public PreparedPrompt prepare(String prompt, List<VisualInput> media) {
        return LoadedVideoLlava.prepare(tokenizer, conversation.model().prompts(), prompt, media, !started);
    }

    public Answer ask(PreparedPrompt prompt, GenerationOptions options, TokenListener listener) {
        Conversation.Turn turn = conversation.ask(prompt, options, listener);
        started = true;
        return Answer.of(tokenizer, turn.result(), turn.promptTokens());
    }

    public Answer ask(String prompt, List<VisualInput> media, GenerationOptions options, TokenListener listener) {
        return ask(prepare(prompt, media), options, listener);
    }

    /** Tokens {@link #ask} would add to the cache for {@code prompt} before generating (the pending answer token included). */
    public int tokensFor(PreparedPrompt prompt) {
        return conversation.tokensFor(prompt);
    }

    /** Free room in the KV cache: what the next prompt and its answer may use together. */
    public int freeContext() {
        return conversation.freeContext();
    }

    public Conversation conversation() {
        return conversation;
    }

    /** Starts a new dialogue on the same cache memory. */
    public void reset() {
        conversation.reset();
        started = false;
    }

    @Override
    public void close() {
        conversation.close();
    }
}
