package dev.vllava.config;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import dev.vllava.Failure;
import dev.vllava.VllavaException;
import java.io.IOException;
import java.nio.file.Path;
import org.junit.jupiter.api.Test;

/** Absent config.json keys take the values transformers would use, so every checkpoint reads as the reference reads it. */
class VideoLlavaConfigTest {
    private static VideoLlavaConfig parse(String json) throws IOException {
        return VideoLlavaConfig.fromJson(new ObjectMapper().readTree(json));
    }

    @Test
    void anEmptyConfigIsVideoLlavaWithViTL14AndLlama7bDefaults() throws IOException {
        VideoLlavaConfig config = parse("{}");
        assertEquals(new VisionConfig(1024, 4096, 24, 16, 3, 224, 14, "quick_gelu", 1e-5), config.vision(),
                "VideoLlavaConfig substitutes CLIP ViT-L/14 when vision_config is absent");
        assertEquals(new TextConfig(32000, 4096, 11008, 32, 32, 32, 128, "silu", 2048, 1e-6, 10000.0, false, false, false),
                config.text(), "LlamaConfig defaults when text_config is absent");
        assertEquals(32000, config.imageTokenIndex());
        assertEquals(32001, config.videoTokenIndex());
        assertEquals("gelu", config.projectorHiddenAct());
        assertEquals(-2, config.visionFeatureLayer());
        assertEquals("default", config.visionFeatureSelectStrategy());
        assertEquals(256, config.imageSeqLength());
        assertEquals(2056, config.videoSeqLength());
    }

    @Test
    void aPartialVisionConfigTakesClipVisionConfigDefaults() throws IOException {
        VisionConfig vision = parse("{\"vision_config\": {\"hidden_size\": 48}}").vision();
        assertEquals(new VisionConfig(48, 3072, 12, 12, 3, 224, 32, "quick_gelu", 1e-5), vision);
    }

    @Test
    void keyValueHeadsAndHeadDimFollowTheAttentionHeads() throws IOException {
        TextConfig text = parse("{\"text_config\": {\"hidden_size\": 256, \"num_attention_heads\": 8}}").text();
        assertEquals(8, text.numKeyValueHeads(), "no num_key_value_heads: plain multi-head attention");
        assertEquals(32, text.headDim(), "no head_dim: hidden_size / heads");
    }

    @Test
    void readsTheTinyCheckpointAsTheReferenceDid() {
        VideoLlavaConfig config = VideoLlavaConfig.load(Path.of("../testdata/tiny-a/model"));
        // Effective values that golden.json's "model" section records from transformers.
        assertEquals(new VisionConfig(32, 64, 2, 4, 3, 224, 14, "quick_gelu", 1e-5), config.vision());
        assertEquals(new TextConfig(1024, 64, 128, 2, 4, 4, 16, "silu", 4096, 1e-5, 10000.0, false, false, false), config.text());
        assertEquals(1000, config.imageTokenIndex());
        assertEquals(1001, config.videoTokenIndex());
        assertEquals(1002, config.padTokenId());
        assertEquals(256, config.tokensPerImage(), "CLS dropped under the default strategy");
        assertEquals(257, config.tokensPerFrame(), "video frames keep CLS");
        assertEquals(1, config.visionLayersUsed(), "hidden_states[-2] of 2 layers is the output of the first: 1 layer runs");
    }

    @Test
    void refusesAnotherModelTypeAndRopeScalingByName() {
        VllavaException wrongType = assertThrows(VllavaException.class, () -> parse("{\"model_type\": \"llava\"}"));
        assertEquals(Failure.CHECKPOINT, wrongType.failure());
        assertTrue(wrongType.getMessage().contains("model_type"), wrongType.getMessage());
        VllavaException rope = assertThrows(VllavaException.class,
                () -> parse("{\"text_config\": {\"rope_scaling\": {\"type\": \"linear\", \"factor\": 2.0}}}"));
        assertTrue(rope.getMessage().contains("rope_scaling"), rope.getMessage());
    }

    @Test
    void namesTheKeyOfAValueOfTheWrongType() {
        VllavaException e = assertThrows(VllavaException.class, () -> parse("{\"text_config\": {\"hidden_size\": \"big\"}}"));
        assertTrue(e.getMessage().contains("text_config.hidden_size must be an integer"), e.getMessage());
    }

    @Test
    void aNullRopeScalingIsNoScaling() throws IOException {
        JsonNode json = new ObjectMapper().readTree("{\"text_config\": {\"rope_scaling\": null}}");
        assertEquals(10000.0, VideoLlavaConfig.fromJson(json).text().ropeTheta());
    }
}
