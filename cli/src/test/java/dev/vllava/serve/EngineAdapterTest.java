package dev.vllava.serve;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;

import dev.vllava.engine.Engine;
import dev.vllava.engine.cpu.CpuEngine;
import dev.vllava.generate.SamplingOptions;
import dev.vllava.generate.TokenListener;
import dev.vllava.model.ChatTemplate;
import dev.vllava.model.LoadedVideoLlava;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.stream.IntStream;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.TestInstance;

/**
 * The server's engine adapter on tiny-a (random weights: every logit matters): answers started one by one or
 * decoded together, on a media prefix kept from an earlier request or not, equal {@code LoadedVideoLlava.answer}'s
 * (what {@code ask} runs) token for token; only the most recently used prefixes are kept.
 */
@TestInstance(TestInstance.Lifecycle.PER_CLASS)
class EngineAdapterTest {
    private static final Path HOME = Path.of(System.getProperty("vllava.home", "..")).toAbsolutePath().normalize();
    private static final int MAX_TOKENS = 8;

    private Engine engine;
    private LoadedVideoLlava pipeline;
    private Medium clipA;
    private Medium clipB;

    @BeforeAll
    void load() {
        engine = new CpuEngine(2);
        pipeline = LoadedVideoLlava.load(HOME.resolve("testdata/tiny-a/model"), engine);
        clipA = video("v000.mp4");
        clipB = video("v001.mp4");
    }

    @AfterAll
    void close() {
        pipeline.close();
        engine.close();
    }

    private Medium video(String name) {
        return new Medium(name, pipeline.video(HOME.resolve("testdata/shapes/bench/media").resolve(name), 8), List.of());
    }

    private static String prompt(String question, List<Medium> media) {
        return ChatTemplate.firstTurn(null, 0, media.size(), question);
    }

    /** The answer {@code ask} gives: the prompt alone through {@link LoadedVideoLlava#answer}. */
    private int[] alone(String question, List<Medium> media) {
        return pipeline.answer(prompt(question, media), media.stream().map(Medium::input).toList(),
                pipeline.options(MAX_TOKENS, SamplingOptions.GREEDY), TokenListener.NONE).tokenIds();
    }

    /** Answers started in order and decoded together, each leaving the batch when it ends (as the scheduler runs them). */
    private List<int[]> served(EngineAdapter adapter, List<String> questions, List<List<Medium>> media) {
        List<EngineAdapter.Sequence> running = new ArrayList<>();
        List<List<Integer>> tokens = new ArrayList<>();
        for (int i = 0; i < questions.size(); i++) {
            running.add(adapter.start(prompt(questions.get(i), media.get(i)), media.get(i), MAX_TOKENS, SamplingOptions.GREEDY));
            tokens.add(new ArrayList<>(List.of(running.get(i).lastToken())));
        }
        List<EngineAdapter.Sequence> batch = new ArrayList<>(running);
        batch.removeIf(s -> finished(adapter, s));
        while (!batch.isEmpty()) {
            adapter.step(batch);
            batch.forEach(s -> tokens.get(running.indexOf(s)).add(s.lastToken()));
            batch.removeIf(s -> finished(adapter, s));
        }
        running.forEach(EngineAdapter.Sequence::close);
        return tokens.stream().map(t -> t.stream().mapToInt(Integer::intValue).toArray()).toList();
    }

    private static boolean finished(EngineAdapter adapter, EngineAdapter.Sequence sequence) {
        return adapter.isEndOfSequence(sequence.lastToken()) || sequence.atTokenLimit();
    }

    private int[] servedAlone(EngineAdapter adapter, String question, List<Medium> media) {
        return served(adapter, List.of(question), List.of(media)).getFirst();
    }

    @Test
    void questionsOnAClipJustSeenReuseItsPrefixAndAnswerAsAskAlone() {
        try (EngineAdapter adapter = new EngineAdapter(pipeline, 1)) {
            for (String question : List.of("What happens?", "Is there a cat in the video, and what colour is it?", "Why?")) {
                assertArrayEquals(alone(question, List.of(clipA)), servedAlone(adapter, question, List.of(clipA)), question);
            }
            assertEquals(1, adapter.prefixMisses(), "the clip encoded and its prefix prefilled once");
            assertEquals(2, adapter.prefixHits());
        }
    }

    @Test
    void sequencesDecodedTogetherOnSharedOwnAndNoPrefixAnswerAsAskAlone() {
        List<String> questions = List.of("What happens?", "Describe it.", "What happens?", "Say something.", "Why?");
        List<List<Medium>> media = List.of(List.of(clipA), List.of(clipA), List.of(clipB), List.of(), List.of(clipA));
        try (EngineAdapter adapter = new EngineAdapter(pipeline, 2)) {
            List<int[]> served = served(adapter, questions, media);
            for (int i = 0; i < questions.size(); i++) {
                assertArrayEquals(alone(questions.get(i), media.get(i)), served.get(i), "sequence " + i);
            }
            assertEquals(2, adapter.prefixMisses());
            assertEquals(2, adapter.prefixHits());
        }
    }

    @Test
    void onlyTheMostRecentlyUsedPrefixesAreKept() {
        assertEquals(List.of(3L, 0L), hitsAfterClipsABA(1).reversed(), "one kept: B's prefix replaced A's");
        assertEquals(List.of(2L, 1L), hitsAfterClipsABA(2).reversed(), "two kept: A's still there");
        assertEquals(List.of(0L, 0L), hitsAfterClipsABA(0), "none kept: nothing shared");
    }

    /** Hits and misses after questions on clip A, then B, then A. */
    private List<Long> hitsAfterClipsABA(int kept) {
        try (EngineAdapter adapter = new EngineAdapter(pipeline, kept)) {
            IntStream.range(0, 3).forEach(i -> servedAlone(adapter, "What happens?", List.of(i == 1 ? clipB : clipA)));
            return List.of(adapter.prefixHits(), adapter.prefixMisses());
        }
    }
}
