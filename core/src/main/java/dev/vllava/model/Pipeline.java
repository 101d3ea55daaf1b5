package dev.vllava.model;

import dev.vllava.checkpoint.Checkpoint;
import dev.vllava.engine.Engine;
import dev.vllava.generate.GenerationConfig;
import dev.vllava.generate.GenerationOptions;
import dev.vllava.generate.SamplingOptions;
import dev.vllava.generate.TokenListener;
import dev.vllava.media.MediaLoader;
import dev.vllava.media.PixelValues;
import dev.vllava.tokenizer.Tokenizer;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Set;

/**
 * Everything between a model folder and an answer, for the CLI commands (ask, chat, eval) to share:
 * the checkpoint on an engine, the tokenizer, the media loader and the generation defaults.
 * <pre>
 *   try (Pipeline pipeline = Pipeline.load(modelDir, engine)) {
 *       Answer answer = pipeline.answer(prompt, List.of(pipeline.video(file, 8)), pipeline.options(64, GREEDY), listener);
 *   }
 * </pre>
 * The engine stays the caller's to close.
 */
public final class Pipeline implements AutoCloseable {
    private final Path modelDir;
    private final Checkpoint checkpoint;
    private final Engine engine;
    private final VideoLlava model;
    private final Tokenizer tokenizer;
    private final MediaLoader mediaLoader;
    private final GenerationConfig generationConfig;

    private Pipeline(Path modelDir, Checkpoint checkpoint, Engine engine, VisualTokenBudget visualTokens) {
        this.modelDir = modelDir;
        this.checkpoint = checkpoint;
        this.engine = engine;
        this.tokenizer = Tokenizer.load(modelDir);
        this.mediaLoader = MediaLoader.forModel(modelDir);
        this.generationConfig = GenerationConfig.load(modelDir);
        this.model = VideoLlava.load(checkpoint, engine, visualTokens);
    }

    /** Opens {@code modelDir} (config, weights, tokenizer, preprocessor and generation configs) and places the weights on {@code engine}. */
    public static Pipeline load(Path modelDir, Engine engine) {
        return load(modelDir, engine, VisualTokenBudget.ALL);
    }

    /** As {@link #load(Path, Engine)}, keeping only {@code visualTokens} patch tokens per image / frame. */
    public static Pipeline load(Path modelDir, Engine engine, VisualTokenBudget visualTokens) {
        Checkpoint checkpoint = Checkpoint.open(modelDir);
        try {
            return new Pipeline(modelDir, checkpoint, engine, visualTokens);
        } catch (RuntimeException e) {
            checkpoint.close();
            throw e;
        }
    }

    public Path modelDir() {
        return modelDir;
    }

    public VideoLlava model() {
        return model;
    }

    public Engine engine() {
        return engine;
    }

    public Tokenizer tokenizer() {
        return tokenizer;
    }

    public MediaLoader mediaLoader() {
        return mediaLoader;
    }

    public GenerationConfig generationConfig() {
        return generationConfig;
    }

    /** The longest sequence the model takes: max_position_embeddings. */
    public int maxContextLength() {
        return model.config().text().maxPositionEmbeddings();
    }

    /** End-of-sequence ids: generation_config.json's, else the tokenizer's EOS. */
    public Set<Integer> eosTokenIds() {
        return generationConfig.eosTokenIds().isEmpty() ? Set.of(tokenizer.eosId()) : generationConfig.eosTokenIds();
    }

    public GenerationOptions options(int maxNewTokens, SamplingOptions sampling) {
        return new GenerationOptions(maxNewTokens, sampling, eosTokenIds());
    }

    public VisualInput image(Path file) {
        return VisualInput.image(mediaLoader.loadImage(file).values());
    }

    public VisualInput video(Path file, int frames) {
        PixelValues pixels = mediaLoader.loadVideo(file, frames);
        return VisualInput.video(pixels.values(), pixels.frames());
    }

    /** A dialogue whose KV cache holds {@code contextLength} tokens ({@code <= 0}: the model's maximum). */
    public Session newSession(int contextLength) {
        int length = contextLength <= 0 ? maxContextLength() : contextLength;
        return new Session(tokenizer, new Conversation(model, length));
    }

    /**
     * One prompt, one answer. The KV cache is sized to this prompt plus {@code maxNewTokens} (capped
     * at the model's context), so a short question does not reserve the whole context.
     * Throws a context-overflow error when prompt + max new tokens exceed max_position_embeddings.
     */
    public Answer answer(String prompt, List<VisualInput> media, GenerationOptions options, TokenListener listener) {
        int promptLength = promptTokens(prompt, media);
        int contextLength = (int) Math.min(maxContextLength(), (long) promptLength + options.maxNewTokens());
        try (Session session = newSession(contextLength)) {
            return session.ask(prompt, media, options, listener);
        }
    }

    /** Length of {@code prompt} as the model reads it: BOS, text tokens and every placeholder expanded to its visual tokens. */
    public int promptTokens(String prompt, List<VisualInput> media) {
        return model.prompts().assemble(tokenizer.encode(prompt, true), imageCount(media), videoFrames(media)).length();
    }

    private static int imageCount(List<VisualInput> media) {
        return (int) media.stream().filter(m -> m.kind() == VisualInput.Kind.IMAGE).count();
    }

    private static List<Integer> videoFrames(List<VisualInput> media) {
        List<Integer> frames = new ArrayList<>();
        media.stream().filter(m -> m.kind() == VisualInput.Kind.VIDEO).forEach(m -> frames.add(m.frames()));
        return frames;
    }

    @Override
    public void close() {
        model.close();
        checkpoint.close();
    }
}
