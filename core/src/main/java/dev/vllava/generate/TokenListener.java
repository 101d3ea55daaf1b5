package dev.vllava.generate;

/** Hears each generated token as soon as it is chosen (streaming output), the end-of-sequence token included. */
@FunctionalInterface
public interface TokenListener {
    TokenListener NONE = tokenId -> {};

    void onToken(int tokenId);
}
