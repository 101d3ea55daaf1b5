package dev.vllava.generate;

/** Hears each generated token as soon as it is chosen (streaming output), the end-of-sequence token included. */
@FunctionalInterface
public interface TokenListener {
    TokenListener NONE = tokenId -> {};

    void onToken(int tokenId);

    /**
     * Asked after each token: true ends the answer there, with {@link FinishReason#CANCELLED} (a user who
     * pressed Ctrl-C in chat). The answer so far stays a valid turn of the conversation.
     */
    default boolean stopRequested() {
        return false;
    }
}
