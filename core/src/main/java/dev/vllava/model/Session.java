package dev.vllava.model;

import dev.vllava.generate.GenerationOptions;
import dev.vllava.generate.TokenListener;
import dev.vllava.tokenizer.Tokenizer;
import java.util.List;

/**
 * A text-level dialogue: prompts in, {@link Answer}s out, over one {@link Conversation} (so the KV cache
 * carries the history between turns). The first prompt is tokenized with BOS; later prompts are
 * continuations, tokenized without it. The previous answer's last token (normally {@code </s>}) is
 * fed before the next prompt, so after an answer that stopped on EOS the next prompt is just
 * {@code "USER: ... ASSISTANT:"}; after one cut by the token limit, a caller that wants the
 * Vicuna template adds {@code "</s>"} itself.
 */
public final class Session implements AutoCloseable {
    private final Tokenizer tokenizer;
    private final Conversation conversation;
    private boolean started;

    Session(Tokenizer tokenizer, Conversation conversation) {
        this.tokenizer = tokenizer;
        this.conversation = conversation;
    }

    public Answer ask(String prompt, List<VisualInput> media, GenerationOptions options, TokenListener listener) {
        int[] ids = tokenizer.encode(prompt, !started);
        Conversation.Turn turn = conversation.ask(ids, media, options, listener);
        started = true;
        int[] generated = turn.result().tokenIds();
        return new Answer(tokenizer.decode(generated, true), generated, turn.promptTokens(),
                turn.result().finishReason(), turn.result().timings());
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
