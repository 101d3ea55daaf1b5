package dev.vllava.model;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import com.fasterxml.jackson.databind.JsonNode;
import dev.vllava.engine.Engine;
import dev.vllava.engine.Tensor;
import dev.vllava.engine.cpu.CpuEngine;
import dev.vllava.generate.GenerationOptions;
import dev.vllava.generate.TokenListener;
import dev.vllava.model.PromptAssembler.AssembledPrompt;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.stream.Stream;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.TestInstance;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.MethodSource;

/**
 * The model on the CPU engine against the Hugging Face reference for tiny-a (float32, eager), starting
 * from the reference's pixel values and unexpanded prompt ids, so that only the model graph is tested.
 * Tolerances: vision states and projector outputs 1e-4 (float32 sums of a few hundred terms in a
 * different order); logits 1e-3 (two more layers and a 1024-way head on top; the smallest top-1/top-2
 * gap of the reference is 0.095, so 1e-3 cannot flip an argmax).
 */
@TestInstance(TestInstance.Lifecycle.PER_CLASS)
class VideoLlavaGoldenTest {
    private static final double VISION_TOLERANCE = 1e-4;
    private static final double LOGIT_TOLERANCE = 1e-3;
    private static final int FRAMES = 8;

    private GoldenData golden;
    private Engine engine;
    private VideoLlava model;
    private final Map<String, Tensor> features = new HashMap<>();

    @BeforeAll
    void loadModel() {
        golden = GoldenData.tinyA();
        engine = new CpuEngine(2);
        model = VideoLlava.load(golden.config(), golden.modelTensors(), engine);
    }

    @AfterAll
    void close() {
        model.close();
        engine.close();
        golden.close();
    }

    Stream<String> prompts() {
        return golden.promptIds().stream();
    }

    @Test
    void videoTowerHiddenStatesMatchReference() {
        float[] pixels = golden.floats("videos.clip.pixel_values_videos");
        try (Tensor hidden = model.videoTower().encode(pixels, FRAMES)) {
            assertClose(engine.download(hidden), golden.floats("videos.clip.video_tower_hidden_states_m2"),
                    VISION_TOLERANCE, "video_tower hidden_states[-2], all 8x257 tokens");
        }
    }

    @Test
    void videoProjectorOutputMatchesReference() {
        float[] pixels = golden.floats("videos.clip.pixel_values_videos");
        try (Tensor features = model.videoFeatures(pixels, FRAMES)) {
            assertClose(engine.download(features), golden.floats("videos.clip.projector_out"),
                    VISION_TOLERANCE, "projector output of the video (CLS kept)");
        }
    }

    @Test
    void imageTowerHiddenStatesMatchReference() {
        float[] pixels = golden.floats("images.pic.pixel_values_images");
        try (Tensor hidden = model.imageTower().encode(pixels, 1)) {
            assertClose(engine.download(hidden), golden.floats("images.pic.image_tower_hidden_states_m2"),
                    VISION_TOLERANCE, "image_tower hidden_states[-2], CLS included");
        }
    }

    @Test
    void imageProjectorOutputDropsClassTokenAndMatchesReference() {
        float[] pixels = golden.floats("images.pic.pixel_values_images");
        try (Tensor features = model.imageFeatures(pixels, 1)) {
            assertEquals(model.config().tokensPerImage(), features.rows(), "image tokens after dropping CLS");
            assertClose(engine.download(features), golden.floats("images.pic.projector_out"),
                    VISION_TOLERANCE, "projector output of the image (CLS dropped)");
        }
    }

    @ParameterizedTest(name = "{0}")
    @MethodSource("prompts")
    void expandedInputIdsMatchReference(String promptId) {
        JsonNode prompt = golden.prompt(promptId);
        AssembledPrompt assembled = assemble(prompt);
        assertArrayEquals(golden.ids("prompts." + promptId + ".input_ids"), assembled.inputIds(),
                "expanded ids as VideoLlavaProcessor writes them");
        JsonNode runs = prompt.get("visual_token_runs");
        assertEquals(runs.size(), assembled.runs().size(), "number of visual token runs");
        for (int i = 0; i < runs.size(); i++) {
            JsonNode run = runs.get(i);
            assertEquals(new PromptAssembler.VisualRun(run.get("token_id").intValue(), run.get("start").intValue(),
                    run.get("length").intValue()), assembled.runs().get(i), "visual token run " + i);
        }
    }

    @ParameterizedTest(name = "{0}")
    @MethodSource("prompts")
    void prefillLogitsMatchReference(String promptId) {
        try (KvCache cache = model.decoder().newKvCache(4096)) {
            float[] logits = prefill(golden.prompt(promptId), cache);
            assertClose(logits, golden.floats("prompts." + promptId + ".prefill_last_logits"), LOGIT_TOLERANCE,
                    "logits at the last prompt position");
        }
    }

    /** Teacher-forced with the reference's ids, so an error in one step cannot hide in a diverged sequence. */
    @ParameterizedTest(name = "{0}")
    @MethodSource("prompts")
    void cachedStepLogitsMatchReference(String promptId) {
        int[] referenceIds = golden.ids("prompts." + promptId + ".gen_ids");
        float[] referenceLogits = golden.floats("prompts." + promptId + ".gen_step_logits");
        int vocab = referenceLogits.length / referenceIds.length;
        try (KvCache cache = model.decoder().newKvCache(4096)) {
            float[] logits = prefill(golden.prompt(promptId), cache);
            for (int step = 0; step < referenceIds.length; step++) {
                if (step > 0) {
                    logits = engine.download(model.decoder().decodeStep(referenceIds[step - 1], cache));
                }
                assertClose(logits, Arrays.copyOfRange(referenceLogits, step * vocab, (step + 1) * vocab),
                        LOGIT_TOLERANCE, "logits of generation step " + step);
            }
        }
    }

    @ParameterizedTest(name = "{0}")
    @MethodSource("prompts")
    void greedyIdsMatchReference(String promptId) {
        JsonNode prompt = golden.prompt(promptId);
        int[] expected = GoldenData.ints(prompt.get("generated_ids"));
        List<Integer> streamed = new ArrayList<>();
        TokenListener listener = streamed::add;
        try (Conversation conversation = new Conversation(model, 4096)) {
            Conversation.Turn turn = conversation.ask(GoldenData.ints(prompt.get("unexpanded_input_ids")),
                    media(prompt), GenerationOptions.greedy(expected.length, Set.of(2)), listener);
            assertArrayEquals(expected, turn.result().tokenIds(), "16 greedy ids of the reference (no EOS among them)");
            assertArrayEquals(expected, streamed.stream().mapToInt(Integer::intValue).toArray(), "streamed ids");
            assertEquals(prompt.get("num_input_ids").intValue(), turn.promptTokens(), "expanded prompt length");
        }
    }

    private float[] prefill(JsonNode prompt, KvCache cache) {
        AssembledPrompt assembled = assemble(prompt);
        List<Tensor> images = prompt.hasNonNull("image") ? List.of(features("images." + prompt.get("image").asText())) : List.of();
        List<Tensor> videos = prompt.hasNonNull("video") ? List.of(features("videos." + prompt.get("video").asText())) : List.of();
        try (Tensor embeddings = model.inputEmbeddings(assembled, images, videos)) {
            return engine.download(model.decoder().prefill(embeddings, cache));
        }
    }

    /** Projected features of a golden medium, computed once (the vision tower dominates the run time). */
    private Tensor features(String key) {
        return features.computeIfAbsent(key, k -> k.startsWith("images.")
                ? model.imageFeatures(golden.floats(k + ".pixel_values_images"), 1)
                : model.videoFeatures(golden.floats(k + ".pixel_values_videos"), FRAMES));
    }

    private AssembledPrompt assemble(JsonNode prompt) {
        boolean image = prompt.hasNonNull("image");
        boolean video = prompt.hasNonNull("video");
        return model.prompts().assemble(GoldenData.ints(prompt.get("unexpanded_input_ids")), image ? 1 : 0,
                video ? List.of(FRAMES) : List.of());
    }

    /** The prompt's media in placeholder order (every tiny-a prompt puts the image before the video). */
    private List<VisualInput> media(JsonNode prompt) {
        List<VisualInput> media = new ArrayList<>();
        if (prompt.hasNonNull("image")) {
            media.add(VisualInput.image(golden.floats("images." + prompt.get("image").asText() + ".pixel_values_images")));
        }
        if (prompt.hasNonNull("video")) {
            media.add(VisualInput.video(golden.floats("videos." + prompt.get("video").asText() + ".pixel_values_videos"), FRAMES));
        }
        return media;
    }

    static void assertClose(float[] actual, float[] expected, double tolerance, String what) {
        double error = GoldenData.maxAbsDiff(actual, expected);
        System.out.printf("golden check: %s: max abs error %.3g (tolerance %.0e)%n", what, error, tolerance);
        assertTrue(error <= tolerance, () -> String.format("%s: max abs error %.3g exceeds %.0e (float32 reordering stays far below)",
                what, error, tolerance));
    }
}
