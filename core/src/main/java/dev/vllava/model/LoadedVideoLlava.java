package dev.vllava.model;

import dev.vllava.checkpoint.Checkpoint;
import dev.vllava.checkpoint.FiniteWeights;
import dev.vllava.engine.Engine;
import dev.vllava.generate.GenerationConfig;
import dev.vllava.generate.GenerationOptions;
import dev.vllava.generate.SamplingOptions;
import dev.vllava.generate.TokenListener;
import dev.vllava.media.MediaLoader;
import dev.vllava.media.PixelValues;
import dev.vllava.tokenizer.Tokenizer;
import java.nio.file.Path;
import java.util.List;
import java.util.Set;

/**
 * Everything between a model folder and an answer, for the CLI commands (ask, chat, eval) to share:
 * the checkpoint on an engine, the tokenizer, the media loader and the generation defaults.
 * <pre>
 *   try (LoadedVideoLlava pipeline = LoadedVideoLlava.load(modelDir, engine)) {
 *       PreparedPrompt prompt = pipeline.prepare(ChatTemplate.firstTurn(null, 0, 1, question), List.of(pipeline.video(file, 8)));
 *       Answer answer = pipeline.answer(prompt, pipeline.options(64, GREEDY), listener);
 *   }
 * </pre>
 * The engine stays the caller's to close.
 */
public final class LoadedVideoLlava implements AutoCloseable {
    private final Path modelDir;
    private final Checkpoint checkpoint;
    private final Engine engine;
    private final VideoLlava model;
    private final Tokenizer tokenizer;
    private final MediaLoader mediaLoader;
    private final GenerationConfig generationConfig;

    private LoadedVideoLlava(Path modelDir, Checkpoint checkpoint, Engine engine, VisualTokenBudget visualTokens) {
        this.modelDir = modelDir;
        this.checkpoint = checkpoint;
        this.engine = engine;
        this.tokenizer = Tokenizer.load(modelDir);
        this.mediaLoader = MediaLoader.forModel(modelDir);
        this.generationConfig = GenerationConfig.load(modelDir);
        this.model = VideoLlava.load(checkpoint, engine, visualTokens);
    }

    /** Opens {@code modelDir} (config, weights, tokenizer, preprocessor and generation configs) and places the weights on {@code engine}. */
    public static LoadedVideoLlava load(Path modelDir, Engine engine) {
        return load(modelDir, engine, VisualTokenBudget.ALL);
    }

    /** As {@link #load(Path, Engine)}, keeping only {@code visualTokens} patch tokens per image / frame. */
    public static LoadedVideoLlava load(Path modelDir, Engine engine, VisualTokenBudget visualTokens) {
        Checkpoint checkpoint = Checkpoint.open(modelDir);
        try {
            FiniteWeights.check(checkpoint);
            return new LoadedVideoLlava(modelDir, checkpoint, engine, visualTokens);
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

    /** Keeps projected visual features in {@code dir} across runs, at most {@code maxBytes} (least recently used entries go first). */
    public void useFeatureCache(Path dir, long maxBytes) {
        model.useFeatureCache(new FeatureCache(dir, maxBytes, FeatureCache.fingerprint(modelDir, engine.weightsAtLoad())));
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

    /** Reads a prompt that opens a dialogue once: tokenized with BOS, its placeholders checked against {@code media} and expanded. */
    public PreparedPrompt prepare(String prompt, List<VisualInput> media) {
        return prepare(tokenizer, model.prompts(), prompt, media, true);
    }

    static PreparedPrompt prepare(Tokenizer tokenizer, PromptAssembler assembler, String prompt, List<VisualInput> media,
            boolean opensDialogue) {
        return new PreparedPrompt(assembler.assemble(tokenizer.encode(prompt, opensDialogue), media), media);
    }

    /**
     * One prompt, one answer. The KV cache is sized to this prompt plus {@code maxNewTokens} (capped
     * at the model's context), so a short question does not reserve the whole context.
     * Throws a {@link ContextOverflow} when prompt + max new tokens exceed max_position_embeddings.
     */
    public Answer answer(PreparedPrompt prompt, GenerationOptions options, TokenListener listener) {
        try (Session session = newSession(contextFor(prompt, options.maxNewTokens()))) {
            return session.ask(prompt, options, listener);
        }
    }

    /**
     * The media prefix of {@code prompt} (everything up to the end of its last image or video), read once
     * for {@link #answer(MediaPrefix, PreparedPrompt, GenerationOptions, TokenListener)} to share between
     * the questions on the same media. See {@link MediaPrefix#sharable} for which prompts have one.
     */
    public MediaPrefix prefix(PreparedPrompt prompt) {
        return MediaPrefix.read(model, prompt);
    }

    /** {@link #answer(PreparedPrompt, GenerationOptions, TokenListener)} on a prefix that {@link MediaPrefix#covers covers} the prompt. */
    public Answer answer(MediaPrefix prefix, PreparedPrompt prompt, GenerationOptions options, TokenListener listener) {
        if (!prefix.covers(prompt)) {
            throw new IllegalArgumentException("the prompt does not start with the media prefix");
        }
        try (Session session = new Session(tokenizer, new Conversation(prefix, contextFor(prompt, options.maxNewTokens())))) {
            return session.ask(prompt, options, listener);
        }
    }

    public Answer answer(String prompt, List<VisualInput> media, GenerationOptions options, TokenListener listener) {
        return answer(prepare(prompt, media), options, listener);
    }

    /** The KV cache length for one answer: prompt + max new tokens, capped at the model's context (which then reports the overflow). */
    int contextFor(PreparedPrompt prompt, int maxNewTokens) {
        return (int) Math.min(maxContextLength(), (long) prompt.length() + maxNewTokens);
    }

    @Override
    public void close() {
        model.close();
        checkpoint.close();
    }
}
