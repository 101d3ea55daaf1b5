package dev.vllava.eval;

import dev.vllava.VllavaException;
import dev.vllava.generate.GenerationOptions;
import dev.vllava.model.Answer;
import dev.vllava.model.BatchGenerator;
import dev.vllava.model.Pipeline;
import dev.vllava.model.VisualInput;
import java.util.ArrayList;
import java.util.List;

/**
 * The model behind {@code vllava eval}: a batch's prompts are prefilled one by one, then decoded together
 * ({@link BatchGenerator}). A prompt that does not fit the context (or whose media do not match its
 * placeholders) becomes that item's failed prediction; the others go on.
 */
public final class PipelinePredictor implements Predictor<List<VisualInput>> {
    private final BatchGenerator session;
    private final GenerationOptions options;

    public PipelinePredictor(Pipeline pipeline, GenerationOptions options) {
        this(new BatchGenerator(pipeline), options);
    }

    public PipelinePredictor(BatchGenerator session, GenerationOptions options) {
        this.session = session;
        this.options = options;
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
        }
    }

    private Started start(PreparedItem<List<VisualInput>> item) {
        try {
            return new Started(session.start(item.prompt(), item.prepared(), options), null);
        } catch (VllavaException e) {
            if (!EvalRunner.isItemFailure(e)) {
                throw e;
            }
            return new Started(null, Prediction.failed(e.getMessage()));
        }
    }
}
