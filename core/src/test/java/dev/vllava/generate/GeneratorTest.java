package dev.vllava.generate;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;

import dev.vllava.engine.Engine;
import dev.vllava.engine.Tensor;
import dev.vllava.engine.cpu.CpuEngine;
import java.util.ArrayList;
import java.util.List;
import java.util.Set;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.TestInstance;

/** The decode loop against a scripted "model" whose next-token logits favour (fed token + 1). */
@TestInstance(TestInstance.Lifecycle.PER_CLASS)
class GeneratorTest {
    private static final int VOCAB = 8;
    private Engine engine;
    private final List<Integer> fed = new ArrayList<>();

    @BeforeAll
    void setUp() {
        engine = new CpuEngine(1);
    }

    @AfterAll
    void tearDown() {
        engine.close();
    }

    private Tensor favouring(int id) {
        float[] logits = new float[VOCAB];
        logits[id % VOCAB] = 5;
        return engine.upload(logits, 1, VOCAB);
    }

    private Tensor step(int token) {
        fed.add(token);
        return favouring(token + 1);
    }

    @Test
    void stopsOnEndOfSequenceAndKeepsIt() {
        fed.clear();
        List<Integer> heard = new ArrayList<>();
        GenerationResult result = Generator.generate(engine, favouring(3), this::step,
                GenerationOptions.greedy(10, Set.of(6)), heard::add);
        assertArrayEquals(new int[] {3, 4, 5, 6}, result.tokenIds(), "EOS is part of the ids, as in transformers");
        assertEquals(FinishReason.STOP, result.finishReason());
        assertEquals(List.of(3, 4, 5, 6), heard, "every token is streamed, EOS included");
        assertEquals(List.of(3, 4, 5), fed, "the EOS token is never fed back");
    }

    @Test
    void stopsAtTheTokenLimit() {
        fed.clear();
        GenerationResult result = Generator.generate(engine, favouring(0), this::step,
                GenerationOptions.greedy(3, Set.of(7)), TokenListener.NONE);
        assertArrayEquals(new int[] {0, 1, 2}, result.tokenIds());
        assertEquals(FinishReason.LENGTH, result.finishReason());
        assertEquals(List.of(0, 1), fed, "the last token is not fed: nothing would read its logits");
    }

    @Test
    void anyOfSeveralEndOfSequenceIdsStops() {
        GenerationResult result = Generator.generate(engine, favouring(1), this::step,
                GenerationOptions.greedy(10, Set.of(2, 9)), TokenListener.NONE);
        assertArrayEquals(new int[] {1, 2}, result.tokenIds());
        assertEquals(FinishReason.STOP, result.finishReason());
    }

    @Test
    void stopsWhenTheListenerAsksAndKeepsTheTokenItHeard() {
        fed.clear();
        List<Integer> heard = new ArrayList<>();
        TokenListener stopAfterTwo = new TokenListener() {
            @Override
            public void onToken(int tokenId) {
                heard.add(tokenId);
            }

            @Override
            public boolean stopRequested() {
                return heard.size() == 2;
            }
        };
        GenerationResult result = Generator.generate(engine, favouring(0), this::step, GenerationOptions.greedy(10, Set.of(9)), stopAfterTwo);
        assertArrayEquals(new int[] {0, 1}, result.tokenIds(), "the answer ends with the last token shown to the user");
        assertEquals(FinishReason.CANCELLED, result.finishReason());
        assertEquals(List.of(0), fed, "the last token is not fed: the next turn feeds it, as after the token limit");
    }
}
