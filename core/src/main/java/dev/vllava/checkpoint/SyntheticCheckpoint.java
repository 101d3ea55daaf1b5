package dev.vllava.checkpoint;

import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.node.ObjectNode;
import dev.vllava.config.TextConfig;
import dev.vllava.config.VideoLlavaConfig;
import dev.vllava.config.VisionConfig;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.lang.foreign.Arena;
import java.lang.foreign.MemorySegment;
import java.lang.foreign.ValueLayout;
import java.nio.ByteOrder;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.SplittableRandom;

/**
 * Checkpoints with the real layout and made-up weights: sparse files with the real 7B shapes (for
 * loader tests and {@code vllava bench --synthetic 7b}: no download, no disk space) and small random
 * in-memory ones (for model tests).
 */
public final class SyntheticCheckpoint {

    private static final ObjectMapper JSON = new ObjectMapper();

    /** LanguageBind/Video-LLaVA-7B-hf: two CLIP ViT-L/14 towers at 224 px and Vicuna-7B v1.5. */
    public static final VideoLlavaConfig VIDEO_LLAVA_7B = VideoLlavaConfig.fromJson(videoLlava7bJson());

    /** Data starts on a page of its own, so no weight page shares the page cache with the (written) header. */
    private static final int PAGE_ALIGNMENT = 4096;

    private SyntheticCheckpoint() {}

    /** The 7B config.json, with the values the real checkpoint's config.json has. */
    public static ObjectNode videoLlava7bJson() {
        VisionConfig vision = new VisionConfig(1024, 4096, 24, 16, 3, 224, 14, "quick_gelu", 1e-5);
        TextConfig text = new TextConfig(32064, 4096, 11008, 32, 32, 32, 128, "silu", 4096, 1e-5, 10000.0, false, false, false);
        return configJson(new VideoLlavaConfig(vision, text, 32000, 32001, 32002, "gelu", -2, "default", 256, 2056));
    }

    /** A complete config.json for the config: every key written, so no reader's defaults matter. */
    public static ObjectNode configJson(VideoLlavaConfig config) {
        ObjectNode json = JSON.createObjectNode();
        json.putArray("architectures").add("VideoLlavaForConditionalGeneration");
        json.put("model_type", "video_llava");
        json.put("image_token_index", config.imageTokenIndex());
        json.put("video_token_index", config.videoTokenIndex());
        json.put("pad_token_id", config.padTokenId());
        json.put("projector_hidden_act", config.projectorHiddenAct());
        json.put("vision_feature_layer", config.visionFeatureLayer());
        json.put("vision_feature_select_strategy", config.visionFeatureSelectStrategy());
        json.put("image_seq_length", config.imageSeqLength());
        json.put("video_seq_length", config.videoSeqLength());
        VisionConfig v = config.vision();
        json.putObject("vision_config")
                .put("model_type", "clip_vision_model")
                .put("hidden_size", v.hiddenSize())
                .put("intermediate_size", v.intermediateSize())
                .put("num_hidden_layers", v.numHiddenLayers())
                .put("num_attention_heads", v.numAttentionHeads())
                .put("num_channels", v.numChannels())
                .put("image_size", v.imageSize())
                .put("patch_size", v.patchSize())
                .put("hidden_act", v.hiddenAct())
                .put("layer_norm_eps", v.layerNormEps());
        TextConfig t = config.text();
        json.putObject("text_config")
                .put("model_type", "llama")
                .put("vocab_size", t.vocabSize())
                .put("hidden_size", t.hiddenSize())
                .put("intermediate_size", t.intermediateSize())
                .put("num_hidden_layers", t.numHiddenLayers())
                .put("num_attention_heads", t.numAttentionHeads())
                .put("num_key_value_heads", t.numKeyValueHeads())
                .put("head_dim", t.headDim())
                .put("hidden_act", t.hiddenAct())
                .put("max_position_embeddings", t.maxPositionEmbeddings())
                .put("rms_norm_eps", t.rmsNormEps())
                .put("rope_theta", t.ropeTheta())
                .put("tie_word_embeddings", t.tieWordEmbeddings())
                .put("attention_bias", t.attentionBias())
                .put("mlp_bias", t.mlpBias())
                // Not part of TextConfig; LlamaConfig's defaults, which every Llama-vocabulary checkpoint uses.
                .put("bos_token_id", 1)
                .put("eos_token_id", 2);
        return json;
    }

    /**
     * Writes config.json and sparse safetensors (weights all zero, never written, so a 14 GB
     * checkpoint takes no disk blocks): {@code model.safetensors} for one shard, else
     * {@code model-0000k-of-0000n.safetensors} balanced by bytes plus the index.
     */
    public static void writeSparse(Path dir, VideoLlavaConfig config, int shards, DType dtype) {
        if (shards < 1) {
            throw new IllegalArgumentException("shards must be at least 1, got " + shards);
        }
        List<SafeTensorsWriter.Tensor> all = new ArrayList<>();
        for (TensorSpec spec : CheckpointSchema.expected(config)) {
            all.add(new SafeTensorsWriter.Tensor(spec.name(), dtype.name(), spec.shape(), null));
        }
        try {
            Files.createDirectories(dir);
            Files.writeString(dir.resolve("config.json"), configJson(config).toPrettyString());
            if (shards == 1) {
                SafeTensorsWriter.write(dir.resolve(CheckpointFiles.SINGLE), Map.of("format", "pt"), all, PAGE_ALIGNMENT);
                return;
            }
            writeShards(dir, all, shards);
        } catch (IOException e) {
            throw new UncheckedIOException("cannot write synthetic checkpoint to " + dir + ": " + e.getMessage(), e);
        }
    }

    private static void writeShards(Path dir, List<SafeTensorsWriter.Tensor> all, int shards) throws IOException {
        long total = all.stream().mapToLong(SafeTensorsWriter.Tensor::byteSize).sum();
        List<List<SafeTensorsWriter.Tensor>> groups = new ArrayList<>();
        for (int i = 0; i < shards; i++) {
            groups.add(new ArrayList<>());
        }
        long written = 0;
        for (SafeTensorsWriter.Tensor tensor : all) {
            // Shard k takes the tensors that start in its k-th slice of the bytes, as HF's max_shard_size roughly does.
            int shard = (int) Math.min(shards - 1, written * shards / Math.max(1, total));
            groups.get(shard).add(tensor);
            written += tensor.byteSize();
        }
        ObjectNode index = JSON.createObjectNode();
        index.putObject("metadata").put("total_size", total);
        ObjectNode weightMap = index.putObject("weight_map");
        for (int i = 0; i < shards; i++) {
            String name = String.format("model-%05d-of-%05d.safetensors", i + 1, shards);
            SafeTensorsWriter.write(dir.resolve(name), Map.of("format", "pt"), groups.get(i), PAGE_ALIGNMENT);
            groups.get(i).forEach(t -> weightMap.put(t.name(), name));
        }
        Files.writeString(dir.resolve(CheckpointFiles.INDEX), index.toPrettyString());
    }

    /**
     * An in-memory checkpoint with uniform random weights in [-scale, scale] (norm weights around 1),
     * reproducible from the seed; for model tests that need any valid weights of a small config.
     */
    public static Checkpoint random(VideoLlavaConfig config, DType dtype, long seed, float scale) {
        SplittableRandom random = new SplittableRandom(seed);
        Arena arena = Arena.ofAuto();
        Map<String, TensorData> weights = new LinkedHashMap<>();
        for (TensorSpec spec : CheckpointSchema.expected(config)) {
            long count = spec.elementCount();
            MemorySegment data = arena.allocate(count * dtype.byteSize(), 8);
            boolean norm = spec.name().contains("norm") && spec.name().endsWith(".weight");
            for (long i = 0; i < count; i++) {
                float value = (float) ((norm ? 1 : 0) + scale * (2 * random.nextDouble() - 1));
                put(data, dtype, i, value);
            }
            weights.put(spec.name(), new TensorData(spec.name(), dtype, spec.shape().clone(), data));
        }
        return Checkpoint.inMemory(config, weights);
    }

    private static void put(MemorySegment data, DType dtype, long index, float value) {
        ValueLayout.OfShort half = ValueLayout.JAVA_SHORT.withOrder(ByteOrder.LITTLE_ENDIAN);
        switch (dtype) {
            case F32 -> data.setAtIndex(ValueLayout.JAVA_FLOAT.withOrder(ByteOrder.LITTLE_ENDIAN), index, value);
            case F16 -> data.setAtIndex(half, index, Float.floatToFloat16(value));
            case BF16 -> data.setAtIndex(half, index, (short) (Float.floatToIntBits(value) >>> 16));
        }
    }
}
