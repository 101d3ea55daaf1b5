package dev.vllava.checkpoint;

import dev.vllava.config.TextConfig;
import dev.vllava.config.VideoLlavaConfig;
import dev.vllava.config.VisionConfig;
import java.util.ArrayList;
import java.util.List;
import java.util.regex.Pattern;

/**
 * Every tensor of a Hugging Face {@code VideoLlavaForConditionalGeneration} checkpoint, with its
 * shape, derived from the config alone. Both towers are listed in full (post_layernorm and the last
 * encoder layer too, although {@code vision_feature_layer = -2} never uses them) because the
 * reference checkpoint holds them and a checkpoint without them is not the model it claims to be.
 */
public final class CheckpointSchema {

    /**
     * Buffers that some exporters save beside the weights and that transformers ignores on load
     * (CLIP's position_ids, old Llama rotary inv_freq): accepted and not exposed.
     */
    private static final Pattern IGNORED = Pattern.compile(
            "(image|video)_tower\\.vision_model\\.embeddings\\.position_ids"
                    + "|language_model\\.model\\.layers\\.\\d+\\.self_attn\\.rotary_emb\\.inv_freq");

    private CheckpointSchema() {}

    public static List<TensorSpec> expected(VideoLlavaConfig config) {
        List<TensorSpec> specs = new ArrayList<>();
        visionTower(specs, ModelPart.IMAGE_TOWER, config.vision());
        visionTower(specs, ModelPart.VIDEO_TOWER, config.vision());
        projector(specs, config);
        languageModel(specs, config.text());
        return List.copyOf(specs);
    }

    /**
     * Whether a tensor that is not in {@link #expected} may sit in a checkpoint anyway: ignorable
     * buffers, and {@code lm_head} when the config ties it to the embedding (transformers then
     * overwrites it with the embedding).
     */
    public static boolean ignorable(String name, VideoLlavaConfig config) {
        return IGNORED.matcher(name).matches()
                || (config.text().tieWordEmbeddings() && name.equals("language_model.lm_head.weight"));
    }

    private static void visionTower(List<TensorSpec> specs, ModelPart part, VisionConfig v) {
        String p = part.prefix() + "vision_model.";
        long h = v.hiddenSize();
        long patches = (long) v.patchesPerSide() * v.patchesPerSide();
        add(specs, part, p + "embeddings.class_embedding", h);
        add(specs, part, p + "embeddings.patch_embedding.weight", h, v.numChannels(), v.patchSize(), v.patchSize());
        add(specs, part, p + "embeddings.position_embedding.weight", patches + 1, h);
        add(specs, part, p + "pre_layrnorm.weight", h);
        add(specs, part, p + "pre_layrnorm.bias", h);
        for (int i = 0; i < v.numHiddenLayers(); i++) {
            String layer = p + "encoder.layers." + i + ".";
            for (String proj : new String[] {"q_proj", "k_proj", "v_proj", "out_proj"}) {
                add(specs, part, layer + "self_attn." + proj + ".weight", h, h);
                add(specs, part, layer + "self_attn." + proj + ".bias", h);
            }
            add(specs, part, layer + "layer_norm1.weight", h);
            add(specs, part, layer + "layer_norm1.bias", h);
            add(specs, part, layer + "mlp.fc1.weight", v.intermediateSize(), h);
            add(specs, part, layer + "mlp.fc1.bias", v.intermediateSize());
            add(specs, part, layer + "mlp.fc2.weight", h, v.intermediateSize());
            add(specs, part, layer + "mlp.fc2.bias", h);
            add(specs, part, layer + "layer_norm2.weight", h);
            add(specs, part, layer + "layer_norm2.bias", h);
        }
        add(specs, part, p + "post_layernorm.weight", h);
        add(specs, part, p + "post_layernorm.bias", h);
    }

    private static void projector(List<TensorSpec> specs, VideoLlavaConfig config) {
        long visionHidden = config.vision().hiddenSize();
        long textHidden = config.text().hiddenSize();
        String p = ModelPart.PROJECTOR.prefix();
        add(specs, ModelPart.PROJECTOR, p + "linear_1.weight", textHidden, visionHidden);
        add(specs, ModelPart.PROJECTOR, p + "linear_1.bias", textHidden);
        add(specs, ModelPart.PROJECTOR, p + "linear_2.weight", textHidden, textHidden);
        add(specs, ModelPart.PROJECTOR, p + "linear_2.bias", textHidden);
    }

    private static void languageModel(List<TensorSpec> specs, TextConfig t) {
        ModelPart part = ModelPart.LANGUAGE_MODEL;
        String p = part.prefix() + "model.";
        long h = t.hiddenSize();
        long qDim = (long) t.numAttentionHeads() * t.headDim();
        long kvDim = (long) t.numKeyValueHeads() * t.headDim();
        long mlp = t.intermediateSize();
        add(specs, part, p + "embed_tokens.weight", t.vocabSize(), h);
        for (int i = 0; i < t.numHiddenLayers(); i++) {
            String layer = p + "layers." + i + ".";
            linear(specs, layer + "self_attn.q_proj", qDim, h, t.attentionBias());
            linear(specs, layer + "self_attn.k_proj", kvDim, h, t.attentionBias());
            linear(specs, layer + "self_attn.v_proj", kvDim, h, t.attentionBias());
            linear(specs, layer + "self_attn.o_proj", h, qDim, t.attentionBias());
            linear(specs, layer + "mlp.gate_proj", mlp, h, t.mlpBias());
            linear(specs, layer + "mlp.up_proj", mlp, h, t.mlpBias());
            linear(specs, layer + "mlp.down_proj", h, mlp, t.mlpBias());
            add(specs, part, layer + "input_layernorm.weight", h);
            add(specs, part, layer + "post_attention_layernorm.weight", h);
        }
        add(specs, part, p + "norm.weight", h);
        if (!t.tieWordEmbeddings()) {
            add(specs, part, part.prefix() + "lm_head.weight", t.vocabSize(), h);
        }
    }

    private static void linear(List<TensorSpec> specs, String name, long out, long in, boolean bias) {
        add(specs, ModelPart.LANGUAGE_MODEL, name + ".weight", out, in);
        if (bias) {
            add(specs, ModelPart.LANGUAGE_MODEL, name + ".bias", out);
        }
    }

    private static void add(List<TensorSpec> specs, ModelPart part, String name, long... shape) {
        specs.add(new TensorSpec(name, shape, part));
    }
}
