package dev.vllava.model;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.vllava.Failure;
import dev.vllava.VllavaException;
import dev.vllava.config.VideoLlavaConfig;
import dev.vllava.model.PromptAssembler.AssembledPrompt;
import dev.vllava.model.PromptAssembler.VisualRun;
import java.nio.file.Path;
import java.util.List;
import org.junit.jupiter.api.Test;

/** Placeholder expansion on the shapes model (image size 112: 64 tokens per image, 65 per video frame). */
class PromptAssemblerTest {
    private static final VideoLlavaConfig SHAPES = VideoLlavaConfig.load(GoldenData.testdata().resolve(Path.of("shapes", "model")));
    private static final int IMAGE = SHAPES.imageTokenIndex();
    private static final int VIDEO = SHAPES.videoTokenIndex();
    private final PromptAssembler assembler = new PromptAssembler(SHAPES);

    @Test
    void sizesComeFromTheConfigNotFromTheSevenBillionModel() {
        assertEquals(64, SHAPES.tokensPerImage());
        assertEquals(65, SHAPES.tokensPerFrame());
    }

    @Test
    void eachVideoExpandsToItsFramesTimesTokensPerFrame() {
        AssembledPrompt prompt = assembler.assemble(new int[] {1, 5, VIDEO, 6, VIDEO, 7}, 0, List.of(8, 3));
        assertEquals(2 + 8 * 65 + 1 + 3 * 65 + 1, prompt.length());
        assertEquals(List.of(new VisualRun(VIDEO, 2, 8 * 65), new VisualRun(VIDEO, 2 + 8 * 65 + 1, 3 * 65)), prompt.runs());
        assertEquals(11 * 65, prompt.visualTokens());
    }

    @Test
    void imagesAndVideosMixInAnyOrder() {
        AssembledPrompt prompt = assembler.assemble(new int[] {1, VIDEO, IMAGE, 9, IMAGE}, 2, List.of(2));
        assertEquals(List.of(new VisualRun(VIDEO, 1, 130), new VisualRun(IMAGE, 131, 64), new VisualRun(IMAGE, 196, 64)),
                prompt.runs());
        assertEquals(9, prompt.inputIds()[195]);
    }

    @Test
    void adjacentPlaceholdersOfOneKindFormOneRun() {
        AssembledPrompt prompt = assembler.assemble(new int[] {IMAGE, IMAGE}, 2, List.of());
        assertEquals(List.of(new VisualRun(IMAGE, 0, 128)), prompt.runs(), "masked_scatter fills them in order anyway");
    }

    @Test
    void textWithoutMediaIsUnchanged() {
        AssembledPrompt prompt = assembler.assemble(new int[] {1, 2, 3}, 0, List.of());
        assertArrayEquals(new int[] {1, 2, 3}, prompt.inputIds());
        assertTrue(prompt.runs().isEmpty());
    }

    @Test
    void placeholderCountMustMatchTheMediaGiven() {
        VllavaException error = assertThrows(VllavaException.class,
                () -> assembler.assemble(new int[] {1, IMAGE}, 0, List.of(8)));
        assertEquals(Failure.USAGE, error.failure());
        assertEquals("the prompt has 1 <image> and 0 <video> placeholders but 0 image(s) and 1 video(s) were given",
                error.getMessage());
    }
}
