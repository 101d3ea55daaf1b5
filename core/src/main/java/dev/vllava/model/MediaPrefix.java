package dev.vllava.model;

/**
 * A prompt's beginning up to the end of its last image or video, read once (media through the vision
 * tower, tokens prefilled) into a paged KV cache whose blocks every question on the same media shares.
 * For {@code USER: <video>\n{question} ASSISTANT:} that is everything before the question's {@code \n}:
 * N questions on one video cost one vision pass and one prefix prefill, and hold the prefix's memory once.
 * <pre>
 *   try (MediaPrefix prefix = pipeline.prefix(first)) {          // first: any prepared prompt on the media
 *       for (PreparedPrompt question : questions) {
 *           Answer answer = pipeline.answer(prefix, question, options, listener);   // prefills only the question
 *       }
 *   }
 * </pre>
 * A prompt is {@link #covers covered} when it starts with the same ids and carries the same media
 * (kind, frames and pixel values equal: the same file loaded again counts). Questions answered on a prefix equal the answers
 * of whole prompts (the tests compare them token for token).
 */
public final class MediaPrefix implements AutoCloseable {
    private final VideoLlava model;
    private final MediaHead head;
    private final KvCache cache;
    private final double visionMs;
    private final double prefillMs;

    private MediaPrefix(VideoLlava model, MediaHead head, KvCache cache, double visionMs, double prefillMs) {
        this.model = model;
        this.head = head;
        this.cache = cache;
        this.visionMs = visionMs;
        this.prefillMs = prefillMs;
    }

    /** Whether {@code prompt} has a prefix worth sharing: media, and at least one token after them. */
    public static boolean sharable(PreparedPrompt prompt) {
        return MediaHead.of(prompt) != null;
    }

    /** Encodes {@code prompt}'s media and prefills its ids up to the end of the last visual run. */
    static MediaPrefix read(VideoLlava model, PreparedPrompt prompt) {
        MediaHead head = MediaHead.of(prompt);
        if (head == null) {
            throw new IllegalArgumentException("the prompt has no media followed by text to share a prefix of");
        }
        KvCache cache = model.decoder().newPagedKvCache(head.length());
        try {
            Conversation.Prefill prefill = new Conversation(model, cache).prefill(head.prompt(prompt), 0);
            return new MediaPrefix(model, head, cache, prefill.visionMs(), prefill.prefillMs());
        } catch (RuntimeException e) {
            cache.close();
            throw e;
        }
    }

    VideoLlava model() {
        return model;
    }

    MediaHead head() {
        return head;
    }

    /** Tokens held (the media's placeholder runs included). */
    public int length() {
        return head.length();
    }

    /** Time the vision tower and projector took for the media. */
    public double visionMs() {
        return visionMs;
    }

    /** Time the prefix's prefill took. */
    public double prefillMs() {
        return prefillMs;
    }

    /** Whether {@code prompt} starts with this prefix (same ids, same media) and goes on after it. */
    public boolean covers(PreparedPrompt prompt) {
        return head.covers(prompt);
    }

    /** A cache of {@code capacity} tokens that starts with the prefix's, sharing its blocks. */
    KvCache fork(int capacity) {
        return cache.fork(capacity);
    }

    @Override
    public void close() {
        cache.close();
    }
}
