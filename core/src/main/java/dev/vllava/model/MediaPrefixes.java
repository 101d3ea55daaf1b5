package dev.vllava.model;

import java.util.ArrayList;
import java.util.List;

/**
 * The media prefixes open for a stream of prompts (eval's batches, a server's requests): {@link #covering}
 * finds one a prompt starts with, or reads it. A prefix holds its KV blocks until {@link #keepOnly} drops
 * it, so the caller bounds memory by saying which prefixes it still needs (at 7B a video's prefix holds
 * about 2 GB of F32 keys and values).
 */
public final class MediaPrefixes implements AutoCloseable {
    private final LoadedVideoLlava pipeline;
    private final List<MediaPrefix> open = new ArrayList<>();

    public MediaPrefixes(LoadedVideoLlava pipeline) {
        this.pipeline = pipeline;
    }

    /**
     * An open prefix that covers {@code prompt}, else a new one read from it (its media encoded and prefilled);
     * null when the prompt has no media followed by text ({@link MediaPrefix#sharable}).
     */
    public MediaPrefix covering(PreparedPrompt prompt) {
        for (MediaPrefix prefix : open) {
            if (prefix.covers(prompt)) {
                return prefix;
            }
        }
        if (!MediaPrefix.sharable(prompt)) {
            return null;
        }
        MediaPrefix prefix = pipeline.prefix(prompt);
        open.add(prefix);
        return prefix;
    }

    /** Prefixes open now. */
    public int size() {
        return open.size();
    }

    /** Closes every open prefix but {@code kept} (sequences started on a closed prefix keep their own blocks). */
    public void keepOnly(List<MediaPrefix> kept) {
        open.removeIf(prefix -> {
            boolean drop = kept.stream().noneMatch(k -> k == prefix);
            if (drop) {
                prefix.close();
            }
            return drop;
        });
    }

    @Override
    public void close() {
        keepOnly(List.of());
    }
}
