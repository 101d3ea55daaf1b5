package dev.vllava.model;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.vllava.VllavaException;
import dev.vllava.config.VideoLlavaConfig;
import java.util.List;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.CsvSource;
import org.junit.jupiter.params.provider.ValueSource;
import org.junit.jupiter.api.Test;

class VisualTokenBudgetTest {
    /** testdata/shapes: 8x8 = 64 patches; an image has 64 tokens ([CLS] dropped), a video frame 65. */
    private static final VideoLlavaConfig SHAPES = VideoLlavaConfig.load(GoldenData.testdata().resolve("shapes/model"));

    @ParameterizedTest(name = "{0} of {1} patches keeps {2}")
    @CsvSource({"100%,256,256", "50%,256,128", "25%,256,64", "10%,256,26", "5%,256,13", "10%,576,58", "5%,576,29",
            "25%,64,16", "10%,64,6", "0.1%,64,1", "12.5%,8,1", "64,256,64", "300,256,256", "1,64,1"})
    void keepsTheRoundedShareOrTheCountCappedAtThePatches(String setting, int patches, int kept) {
        assertEquals(kept, VisualTokenBudget.parse(setting).patchesKept(patches));
    }

    @Test
    void allKeepsEveryPatchAndExpandsLikeTheReference() {
        assertTrue(VisualTokenBudget.ALL.keepsAll(256));
        assertTrue(VisualTokenBudget.parse("100%").keepsAll(256));
        assertFalse(VisualTokenBudget.parse("99%").keepsAll(256));
        assertEquals(SHAPES.tokensPerImage(), VisualTokenBudget.ALL.imageTokens(SHAPES));
        assertEquals(SHAPES.tokensPerFrame(), VisualTokenBudget.ALL.frameTokens(SHAPES));
    }

    @Test
    void imagesLoseTheirDroppedPatchesAndFramesKeepTheirClassToken() {
        VisualTokenBudget quarter = VisualTokenBudget.parse("25%");
        assertEquals(16, quarter.imageTokens(SHAPES), "16 patches, [CLS] dropped as the reference drops it");
        assertEquals(17, quarter.frameTokens(SHAPES), "[CLS] + 16 patches");
        List<VisualInput> media = List.of(VisualInput.image(new float[0]), VisualInput.video(new float[0], 8));
        assertEquals(16 + 8 * 17, quarter.visualTokens(SHAPES, media));
    }

    @Test
    void placeholdersExpandToTheReducedCounts() {
        int image = SHAPES.imageTokenIndex();
        int video = SHAPES.videoTokenIndex();
        PromptAssembler assembler = new PromptAssembler(SHAPES, VisualTokenBudget.parse("25%"));
        PromptAssembler.AssembledPrompt prompt = assembler.assemble(new int[] {1, image, 5, video, 6}, 1, List.of(8));
        assertEquals(List.of(new PromptAssembler.VisualRun(image, 1, 16), new PromptAssembler.VisualRun(video, 18, 8 * 17)),
                prompt.runs());
        assertEquals(3 + 16 + 8 * 17, prompt.length());
    }

    @ParameterizedTest
    @ValueSource(strings = {"0", "-3", "0%", "101%", "abc", "25 %%", "", "1.5"})
    void rejectsWhatIsNeitherACountNorAPercentage(String setting) {
        VllavaException error = assertThrows(VllavaException.class, () -> VisualTokenBudget.parse(setting));
        assertTrue(error.getMessage().contains("got '" + setting + "'"), error.getMessage());
    }

    @Test
    void namesTheSettingAsGiven() {
        assertEquals("all", VisualTokenBudget.ALL.toString());
        assertEquals("25%", VisualTokenBudget.parse("25.0%").toString());
        assertEquals("64", VisualTokenBudget.parse(" 64 ").toString());
    }
}
