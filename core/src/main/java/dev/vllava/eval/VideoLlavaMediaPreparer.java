package dev.vllava.eval;

import dev.vllava.Failure;
import dev.vllava.VllavaException;
import dev.vllava.model.LoadedVideoLlava;
import dev.vllava.model.MediaKind;
import dev.vllava.model.VisualInput;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.ExecutionException;

/**
 * Decodes an item's media into pixel values on the runner's background threads, with the same calls as
 * {@code vllava ask} ({@link LoadedVideoLlava#image}, {@link LoadedVideoLlava#video}), so the model never waits for FFmpeg.
 * A missing or corrupt file throws the media loader's one-line media error, which fails only that item.
 *
 * <p>With media reuse, items naming the same files (in the same order) get the same decoded
 * {@link VisualInput}s, decoded once even when two threads ask at the same time (and compared at
 * once by {@link VideoLlavaPredictor}'s media prefixes, the arrays being the same). The last {@link #REMEMBERED} media sets are kept
 * (a video's pixels are about 5 MB at 8 frames).
 */
public final class VideoLlavaMediaPreparer implements MediaPreparer<List<VisualInput>> {
    /** Media sets remembered: enough for a prefetch window's worth of consecutive videos. */
    static final int REMEMBERED = 16;

    private final LoadedVideoLlava pipeline;
    private final int frames;
    private final Map<List<MediaRef>, CompletableFuture<List<VisualInput>>> decoded;

    /**
     * @param frames    frames sampled per video ({@code --frames})
     * @param reuseMedia whether items on the same files share one decoding ({@code eval --no-prefix-reuse} turns it off)
     */
    public VideoLlavaMediaPreparer(LoadedVideoLlava pipeline, int frames, boolean reuseMedia) {
        this.pipeline = pipeline;
        this.frames = frames;
        this.decoded = reuseMedia ? new LinkedHashMap<>(REMEMBERED, 0.75f, true) {
            @Override
            protected boolean removeEldestEntry(Map.Entry<List<MediaRef>, CompletableFuture<List<VisualInput>>> eldest) {
                return size() > REMEMBERED;
            }
        } : null;
    }

    public VideoLlavaMediaPreparer(LoadedVideoLlava pipeline, int frames) {
        this(pipeline, frames, true);
    }

    @Override
    public List<VisualInput> prepare(EvalItem item, String prompt) {
        if (decoded == null) {
            return decode(item.media());
        }
        CompletableFuture<List<VisualInput>> mine = new CompletableFuture<>();
        CompletableFuture<List<VisualInput>> earlier;
        synchronized (decoded) {
            earlier = decoded.putIfAbsent(item.media(), mine);
        }
        if (earlier != null) {
            return await(earlier);
        }
        try {
            mine.complete(decode(item.media()));
        } catch (RuntimeException | Error e) {
            mine.completeExceptionally(e);
        }
        return await(mine);
    }

    private List<VisualInput> decode(List<MediaRef> refs) {
        List<VisualInput> media = new ArrayList<>();
        for (MediaRef ref : refs) {
            media.add(ref.kind() == MediaKind.IMAGE ? pipeline.image(ref.path()) : pipeline.video(ref.path(), frames));
        }
        return media;
    }

    /** The decoded media, or the decoding's own exception (a media error fails each item on those files alike). */
    private static List<VisualInput> await(CompletableFuture<List<VisualInput>> future) {
        try {
            return future.get();
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            throw new VllavaException(Failure.INTERNAL, "interrupted while decoding media", e);
        } catch (ExecutionException e) {
            if (e.getCause() instanceof RuntimeException runtime) {
                throw runtime;
            }
            throw (Error) e.getCause();
        }
    }
}
