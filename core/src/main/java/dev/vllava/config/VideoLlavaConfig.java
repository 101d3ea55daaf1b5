package dev.vllava.config;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import dev.vllava.Failure;
import dev.vllava.VllavaException;
import dev.vllava.io.BoundedInput;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.LinkOption;
import java.nio.file.Path;
import java.util.Set;

/**
 * The checkpoint's {@code config.json} (transformers' {@code VideoLlavaConfig}), read once. Absent
 * keys take the transformers defaults, so a config written by any transformers version reads alike.
 */
public record VideoLlavaConfig(
        VisionConfig vision,
        TextConfig text,
        int imageTokenIndex,
        int videoTokenIndex,
        int padTokenId,
        String projectorHiddenAct,
        int visionFeatureLayer,
        String visionFeatureSelectStrategy,
        int imageSeqLength,
        int videoSeqLength) {

    /** Real configs are a few KB. */
    private static final BoundedInput CONFIG_FILE = new BoundedInput(Failure.CHECKPOINT, "config.json", BoundedInput.MIB);
    private static final Set<String> ACTIVATIONS = Set.of("gelu", "quick_gelu", "silu", "gelu_pytorch_tanh", "gelu_new");

    public static VideoLlavaConfig load(Path modelDir) {
        Path file = modelDir.resolve("config.json");
        if (!Files.exists(file, LinkOption.NOFOLLOW_LINKS)) {
            throw VllavaException.checkpoint("%s: no config.json in the model folder", file);
        }
        JsonNode root;
        try {
            root = new ObjectMapper().readTree(CONFIG_FILE.readFile(file));
        } catch (IOException e) {
            throw VllavaException.checkpoint("%s: unreadable: %s", file, firstLine(e.getMessage()));
        }
        if (root == null || !root.isObject()) {
            throw VllavaException.checkpoint("%s: not a JSON object", file);
        }
        return fromJson(root);
    }

    public static VideoLlavaConfig fromJson(JsonNode root) {
        ConfigReader in = new ConfigReader(root, "config");
        String modelType = in.string("model_type", "video_llava");
        if (!modelType.equals("video_llava")) {
            throw in.unsupported("model_type", "expected video_llava, found " + modelType);
        }
        TextConfig text = TextConfig.fromJson(in.child("text_config"));
        VideoLlavaConfig config = new VideoLlavaConfig(
                VisionConfig.fromJson(in.child("vision_config")),
                text,
                tokenId(in, "image_token_index", 32000, 0, text),
                tokenId(in, "video_token_index", 32001, 0, text),
                tokenId(in, "pad_token_id", -1, -1, text),
                in.string("projector_hidden_act", "gelu"),
                in.integer("vision_feature_layer", -2),
                in.string("vision_feature_select_strategy", "default"),
                in.integer("image_seq_length", 256, 0, 1 << 20),
                in.integer("video_seq_length", 2056, 0, 1 << 20));
        config.check();
        return config;
    }

    /**
     * A token id given in the file must be in the vocabulary (-1 allowed where {@code lowest} is -1). An
     * absent one takes transformers' default, unchecked: those defaults (32000 with a 32000 vocabulary)
     * are outside the default vocabulary in transformers too, and real checkpoints always give both.
     */
    private static int tokenId(ConfigReader in, String key, int fallback, int lowest, TextConfig text) {
        return in.has(key) ? in.integer(key, fallback, lowest, text.vocabSize() - 1) : fallback;
    }

    /** Encoder layers that run: hidden_states[k] is the output of layer k-1, so layer -2 needs all but the last. */
    public int visionLayersUsed() {
        int states = vision.numHiddenLayers() + 1;
        int index = visionFeatureLayer < 0 ? states + visionFeatureLayer : visionFeatureLayer;
        return index;
    }

    /** Visual tokens one image contributes: CLS dropped under the {@code default} strategy. */
    public int tokensPerImage() {
        return visionFeatureSelectStrategy.equals("default") ? vision.tokensPerImage() - 1 : vision.tokensPerImage();
    }

    /** Visual tokens one video frame contributes: the video path keeps CLS. */
    public int tokensPerFrame() {
        return vision.tokensPerImage();
    }

    private void check() {
        int states = vision.numHiddenLayers() + 1;
        if (visionFeatureLayer >= states || visionFeatureLayer < -states) {
            throw VllavaException.checkpoint("config.json: vision_feature_layer %d is outside the %d hidden states of the vision tower",
                    visionFeatureLayer, states);
        }
        if (!visionFeatureSelectStrategy.equals("default") && !visionFeatureSelectStrategy.equals("full")) {
            throw VllavaException.checkpoint("config.json: unknown vision_feature_select_strategy '%s' (expected default or full)",
                    visionFeatureSelectStrategy);
        }
        for (String act : new String[] {vision.hiddenAct(), projectorHiddenAct, text.hiddenAct()}) {
            if (!ACTIVATIONS.contains(act)) {
                throw VllavaException.checkpoint("config.json: unsupported activation '%s'", act);
            }
        }
    }

    private static String firstLine(String message) {
        if (message == null) {
            return "unknown error";
        }
        int newline = message.indexOf('\n');
        return newline < 0 ? message : message.substring(0, newline);
    }
}
