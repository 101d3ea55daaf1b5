package dev.vllava.eval;

import dev.vllava.model.Pipeline;
import dev.vllava.model.VisualInput;
import java.util.ArrayList;
import java.util.List;

/**
 * Decodes an item's media into pixel values on the runner's background threads, with the same calls as
 * {@code vllava ask} ({@link Pipeline#image}, {@link Pipeline#video}), so the model never waits for FFmpeg.
 * A missing or corrupt file throws the media loader's one-line media error, which fails only that item.
 */
public final class PipelineMediaPreparer implements MediaPreparer<List<VisualInput>> {
    private final Pipeline pipeline;
    private final int frames;

    /** @param frames frames sampled per video ({@code --frames}) */
    public PipelineMediaPreparer(Pipeline pipeline, int frames) {
        this.pipeline = pipeline;
        this.frames = frames;
    }

    @Override
    public List<VisualInput> prepare(EvalItem item, String prompt) {
        List<VisualInput> media = new ArrayList<>();
        for (MediaRef ref : item.media()) {
            media.add(ref.kind() == MediaRef.Kind.IMAGE ? pipeline.image(ref.path()) : pipeline.video(ref.path(), frames));
        }
        return media;
    }
}
