package dev.vllava.model;

import dev.vllava.VllavaException;
import dev.vllava.checkpoint.Checkpoint;
import dev.vllava.checkpoint.TensorData;
import dev.vllava.config.VideoLlavaConfig;
import dev.vllava.engine.Engine;
import dev.vllava.engine.Tensor;
import dev.vllava.model.PromptAssembler.AssembledPrompt;
import dev.vllava.model.PromptAssembler.VisualRun;
import java.util.Arrays;
import java.util.List;
import java.util.function.Function;

/**
 * {@code VideoLlavaForConditionalGeneration}: two CLIP towers, the projector and the Llama decoder,
 * with weights from a checkpoint placed on an engine. A tower is loaded on first use, so a
 * video-only session never places the image tower's weights.
 */
public final class VideoLlava implements AutoCloseable {
    private final VideoLlavaConfig config;
    private final Engine engine;
    private final Function<String, TensorData> tensors;
    private final Projector projector;
    private final LlamaDecoder decoder;
    private final PromptAssembler prompts;
    private final VisualTokenBudget visualTokens;
    private final VisualTokenSelection selection;
    private VisionTower imageTower;
    private VisionTower videoTower;

    private VideoLlava(VideoLlavaConfig config, Function<String, TensorData> tensors, Engine engine, VisualTokenBudget visualTokens) {
        this.config = config;
        this.engine = engine;
        this.tensors = tensors;
        this.visualTokens = visualTokens;
        this.selection = new VisualTokenSelection(engine, visualTokens);
        CheckpointTensors root = new CheckpointTensors(tensors, "");
        this.projector = new Projector(engine, root.under("multi_modal_projector."), config.projectorHiddenAct());
        this.decoder = new LlamaDecoder(engine, config.text(), root.under("language_model."), LlamaDecoder.StepLimits.DEFAULT);
        this.prompts = new PromptAssembler(config, visualTokens);
    }

    /** Projected features kept across runs (null: none); see {@link FeatureCache}. */
    private FeatureCache featureCache;

    public static VideoLlava load(Checkpoint checkpoint, Engine engine) {
        return load(checkpoint, engine, VisualTokenBudget.ALL);
    }

    /** With fewer visual tokens than the reference when {@code visualTokens} is not {@link VisualTokenBudget#ALL}. */
    public static VideoLlava load(Checkpoint checkpoint, Engine engine, VisualTokenBudget visualTokens) {
        return new VideoLlava(checkpoint.config(), name -> checkpoint.has(name) ? checkpoint.tensor(name) : null, engine, visualTokens);
    }

    /** For tests and tools that hold tensors some other way; {@code tensors} returns null or throws for a missing name. */
    public static VideoLlava load(VideoLlavaConfig config, Function<String, TensorData> tensors, Engine engine) {
        return load(config, tensors, engine, VisualTokenBudget.ALL);
    }

    public static VideoLlava load(VideoLlavaConfig config, Function<String, TensorData> tensors, Engine engine,
                                  VisualTokenBudget visualTokens) {
        return new VideoLlava(config, tensors, engine, visualTokens);
    }

    /** How many patch tokens per image / frame reach the language model. */
    public VisualTokenBudget visualTokens() {
        return visualTokens;
    }

    /** Keeps and reuses projected visual features in {@code cache} (null: none). */
    public void useFeatureCache(FeatureCache cache) {
        this.featureCache = cache;
    }

    FeatureCache featureCache() {
        return featureCache;
    }

    public VideoLlavaConfig config() {
        return config;
    }

    public Engine engine() {
        return engine;
    }

    public synchronized VisionTower imageTower() {
        if (imageTower == null) {
            imageTower = new VisionTower(engine, config.vision(), new CheckpointTensors(tensors, "image_tower.vision_model."),
                    config.visionLayersUsed());
        }
        return imageTower;
    }

    public synchronized VisionTower videoTower() {
        if (videoTower == null) {
            videoTower = new VisionTower(engine, config.vision(), new CheckpointTensors(tensors, "video_tower.vision_model."),
                    config.visionLayersUsed());
        }
        return videoTower;
    }

    public Projector projector() {
        return projector;
    }

    public LlamaDecoder decoder() {
        return decoder;
    }

    public PromptAssembler prompts() {
        return prompts;
    }

    /** The {@code <image>} embeddings of {@code images} images {@code [images, 3, S, S]}: {@code [images·tokensPerImage, text hidden]}. */
    public Tensor imageFeatures(float[] pixels, int images) {
        VisionTower tower = imageTower();
        int tokens = tower.tokensPerFrame();
        if (!visualTokens.keepsAll(tokens - 1)) {
            try (Tensor kept = selection.encode(tower, pixels, images, config.tokensPerImage() == tokens)) {
                return projector.project(kept);
            }
        }
        try (Tensor hidden = tower.encode(pixels, images)) {
            if (config.tokensPerImage() == tokens) {
                return projector.project(hidden);
            }
            // vision_feature_select_strategy "default": the class token (row 0 of each image) is dropped.
            int kept = tokens - 1;
            try (Tensor patches = engine.allocate(images * kept, hidden.columns())) {
                for (int image = 0; image < images; image++) {
                    engine.copy(patches.rowSlice(image * kept, kept), hidden.rowSlice(image * tokens + 1, kept));
                }
                return projector.project(patches);
            }
        }
    }

    /** The {@code <video>} embeddings of one video's {@code frames} frames: every frame's tokens (all, or [CLS] + the kept patches), frame-major. */
    public Tensor videoFeatures(float[] pixels, int frames) {
        VisionTower tower = videoTower();
        if (!visualTokens.keepsAll(tower.tokensPerFrame() - 1)) {
            try (Tensor kept = selection.encode(tower, pixels, frames, true)) {
                return projector.project(kept);
            }
        }
        try (Tensor hidden = tower.encode(pixels, frames)) {
            return projector.project(hidden);
        }
    }

    /**
     * {@code inputs_embeds} of the expanded prompt: token embeddings, with each run of image
     * placeholders filled by the next rows of {@code images} and each run of video placeholders by
     * the next rows of {@code videos} (masked_scatter, in sequence order).
     */
    public Tensor inputEmbeddings(AssembledPrompt prompt, List<Tensor> images, List<Tensor> videos) {
        int[] ids = prompt.inputIds().clone();
        for (VisualRun run : prompt.runs()) {
            // placeholder ids are overwritten below; looking up id 0 keeps ids beyond the vocabulary harmless
            Arrays.fill(ids, run.start(), run.start() + run.length(), 0);
        }
        Tensor embeddings = decoder.embed(ids);
        FeatureCursor imageRows = new FeatureCursor("image", images);
        FeatureCursor videoRows = new FeatureCursor("video", videos);
        for (VisualRun run : prompt.runs()) {
            FeatureCursor source = run.tokenId() == config.imageTokenIndex() ? imageRows : videoRows;
            source.copyInto(embeddings.rowSlice(run.start(), run.length()));
        }
        imageRows.requireExhausted();
        videoRows.requireExhausted();
        return embeddings;
    }

    /** Reads the rows of several feature tensors as one sequence. */
    private final class FeatureCursor {
        private final String kind;
        private final List<Tensor> parts;
        private int part;
        private int row;

        FeatureCursor(String kind, List<Tensor> parts) {
            this.kind = kind;
            this.parts = parts;
        }

        void copyInto(Tensor target) {
            int done = 0;
            while (done < target.rows()) {
                if (part >= parts.size()) {
                    throw VllavaException.usage("the prompt has more %s tokens than the %s features given", kind, kind);
                }
                Tensor current = parts.get(part);
                int count = Math.min(target.rows() - done, current.rows() - row);
                engine.copy(target.rowSlice(done, count), current.rowSlice(row, count));
                done += count;
                row += count;
                if (row == current.rows()) {
                    part++;
                    row = 0;
                }
            }
        }

        void requireExhausted() {
            if (part < parts.size()) {
                throw VllavaException.usage("the prompt has fewer %s tokens than the %s features given", kind, kind);
            }
        }
    }

    @Override
    public synchronized void close() {
        decoder.close();
        for (VisionTower tower : new VisionTower[] {imageTower, videoTower}) {
            if (tower != null) {
                tower.close();
            }
        }
    }
}
