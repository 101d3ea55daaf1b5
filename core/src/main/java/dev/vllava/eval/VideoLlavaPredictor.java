package dev.vllava.eval;

import dev.vllava.VllavaException;
import dev.vllava.generate.GenerationOptions;
import dev.vllava.model.Answer;
import dev.vllava.model.BatchGenerator;
import dev.vllava.model.LoadedVideoLlava;
import dev.vllava.model.MediaPrefix;
import dev.vllava.model.MediaPrefixes;
import dev.vllava.model.PreparedPrompt;
import dev.vllava.model.VisualInput;
import java.util.ArrayList;
import java.util.List;

/**
 * The model behind {@code vllava eval}: a batch's prompts are prefilled one by one, then decoded together
 * ({@link BatchGenerator}). A prompt that does not fit the context (or whose media do not match its
 * placeholders) becomes that item's failed prediction; the others go on.
 *
 * <p>With prefix reuse (the default), items on the same media (the same prepared {@link VisualInput}s,
 * which {@link VideoLlavaMediaPreparer} hands out once per media set) share one {@link MediaPrefix}: the
 * vision pass and the prefill up to the question run once, each item prefills only its own tokens. The
 * prefixes of a batch stay open for the next batch only where its last item's media may go on (benchmarks
 * list a video's questions together), so at most a batch's worth of prefixes is held.
 */
public final class VideoLlavaPredictor implements Predictor<List<VisualInput>>, AutoCloseable {
    private final LoadedVideoLlava pipeline;
    private final BatchGenerator session;
    private final GenerationOptions options;
    private final MediaPrefixes prefixes;
    /** The prefix of the batch's last item, kept open for the next batch (empty: none). */
    private List<MediaPrefix> lastPrefix = List.of();

    /** @param reusePrefixes whether items on the same media share their media prefix ({@code eval --no-prefix-reuse} turns it off) */
    public VideoLlavaPredictor(LoadedVideoLlava pipeline, GenerationOptions options, boolean reusePrefixes) {
        this.pipeline = pipeline;
        this.session = new BatchGenerator(pipeline);
        this.options = options;
        this.prefixes = reusePrefixes ? new MediaPrefixes(pipeline) : null;
    }

    public VideoLlavaPredictor(LoadedVideoLlava pipeline, GenerationOptions options) {
        this(pipeline, options, true);
    }

    /** An item of the batch: started (prefilled), or failed before decoding. */
    private record Started(BatchGenerator.Sequence sequence, Prediction failure) {
        Prediction prediction() {
            if (failure != null) {
                return failure;
            }
            Answer answer = sequence.answer();
            return Prediction.of(answer.text().strip(), answer.tokenIds());
        }
    }

    @Override
    public List<Prediction> predict(List<PreparedItem<List<VisualInput>>> batch) {
        List<Started> items = new ArrayList<>();
        try {
            for (PreparedItem<List<VisualInput>> item : batch) {
                items.add(start(item));
            }
            session.finish(items.stream().filter(i -> i.sequence() != null).map(Started::sequence).toList());
            return items.stream().map(Started::prediction).toList();
        } finally {
            items.stream().filter(i -> i.sequence() != null).forEach(i -> i.sequence().close());
            if (prefixes != null) {
                prefixes.keepOnly(lastPrefix);
            }
        }
    }

    private Started start(PreparedItem<List<VisualInput>> item) {
        try {
            PreparedPrompt prompt = pipeline.prepare(item.prompt(), item.prepared());
            MediaPrefix prefix = prefixFor(prompt);
            return new Started(prefix == null ? session.start(prompt, options) : session.start(prefix, prompt, options), null);
        } catch (VllavaException e) {
            if (!EvalRunner.isItemFailure(e)) {
                throw e;
            }
            return new Started(null, Prediction.failed(e.getMessage()));
        }
    }

    /** The shared prefix for {@code prompt}, or null: reuse off, no media, or a prompt that overflows (reported whole, as without reuse). */
    private MediaPrefix prefixFor(PreparedPrompt prompt) {
        if (prefixes == null || (long) prompt.length() + options.maxNewTokens() > pipeline.maxContextLength()) {
            return null;
        }
        MediaPrefix prefix = prefixes.covering(prompt);
        lastPrefix = prefix == null ? List.of() : List.of(prefix);
        return prefix;
    }

    /** Closes the prefixes still open. */
    @Override
    public void close() {
        if (prefixes != null) {
            prefixes.close();
        }
    }
}
