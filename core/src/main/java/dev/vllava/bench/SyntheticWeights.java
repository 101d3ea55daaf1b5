package dev.vllava.bench;

import com.fasterxml.jackson.databind.node.ObjectNode;
import dev.vllava.VllavaException;
import dev.vllava.checkpoint.CheckpointSchema;
import dev.vllava.checkpoint.DType;
import dev.vllava.checkpoint.ModelPart;
import dev.vllava.checkpoint.SyntheticCheckpoint;
import dev.vllava.checkpoint.TensorData;
import dev.vllava.checkpoint.TensorSpec;
import dev.vllava.config.VideoLlavaConfig;
import java.lang.foreign.Arena;
import java.lang.foreign.MemorySegment;
import java.lang.foreign.ValueLayout;
import java.nio.ByteOrder;
import java.util.HashMap;
import java.util.LinkedHashMap;
import java.util.Map;
import java.util.SplittableRandom;
import java.util.function.Function;

/**
 * Random weights with a config's real shapes, made in memory when the model asks for a tensor (so a
 * video-only benchmark never makes the image tower): {@code vllava bench --synthetic}. The values are
 * meaningless but finite and normal-range, so the arithmetic costs what it costs on real weights.
 *
 * <p>Filling 14 GB with fresh random numbers would take minutes, so each tensor is tiled from one
 * block of random values at a per-tensor offset: the tiling period (4 MiB) is far beyond what any
 * kernel could reuse through the caches, so the memory traffic is that of distinct weights.
 */
public final class SyntheticWeights implements Function<String, TensorData>, AutoCloseable {

    /** Presets for {@code --synthetic}: {@code 7b} (Video-LLaVA-7B-hf) and {@code tiny} (tiny-a's shape, for tests). */
    public static VideoLlavaConfig preset(String name) {
        return switch (name.toLowerCase(java.util.Locale.ROOT)) {
            case "7b" -> SyntheticCheckpoint.VIDEO_LLAVA_7B;
            case "tiny" -> tiny();
            default -> throw VllavaException.usage("unknown --synthetic preset '%s' (expected 7b or tiny)", name);
        };
    }

    /** tiny-a's shape: Llama 2 × 64 (vocabulary 1024), CLIP 2 × 32 at 224 px (257 tokens a frame). */
    private static VideoLlavaConfig tiny() {
        ObjectNode json = SyntheticCheckpoint.videoLlava7bJson();
        json.put("image_token_index", 1000).put("video_token_index", 1001).put("pad_token_id", 1002);
        ((ObjectNode) json.get("vision_config")).put("hidden_size", 32).put("intermediate_size", 64)
                .put("num_hidden_layers", 2).put("num_attention_heads", 4);
        ((ObjectNode) json.get("text_config")).put("vocab_size", 1024).put("hidden_size", 64)
                .put("intermediate_size", 128).put("num_hidden_layers", 2).put("num_attention_heads", 4)
                .put("num_key_value_heads", 4).put("head_dim", 16);
        return VideoLlavaConfig.fromJson(json);
    }

    private static final int BLOCK_BYTES = 4 << 20;
    private static final float SCALE = 0.02f;

    private final VideoLlavaConfig config;
    private final DType dtype;
    private final Map<String, TensorSpec> specs = new LinkedHashMap<>();
    private final Map<String, TensorData> made = new HashMap<>();
    private final Arena arena = Arena.ofShared();
    private final MemorySegment noise;
    private final MemorySegment nearOne;
    private long bytes;

    public SyntheticWeights(VideoLlavaConfig config, DType dtype, long seed) {
        this.config = config;
        this.dtype = dtype;
        for (TensorSpec spec : CheckpointSchema.expected(config)) {
            specs.put(spec.name(), spec);
        }
        SplittableRandom random = new SplittableRandom(seed);
        this.noise = block(random, 0);
        this.nearOne = block(random, 1);
    }

    public VideoLlavaConfig config() {
        return config;
    }

    public DType dtype() {
        return dtype;
    }

    /** Bytes a video benchmark makes: every tensor but the image tower's (which it never asks for). */
    public long bytesForVideo() {
        long elements = 0;
        for (TensorSpec spec : specs.values()) {
            if (spec.part() != ModelPart.IMAGE_TOWER) {
                elements += spec.elementCount();
            }
        }
        return elements * dtype.byteSize();
    }

    /** Bytes of the weights made so far. */
    public synchronized long bytes() {
        return bytes;
    }

    /** The named tensor, made on first request; null for a name the config's checkpoint would not hold. */
    @Override
    public synchronized TensorData apply(String name) {
        TensorData data = made.get(name);
        if (data != null || !specs.containsKey(name)) {
            return data;
        }
        TensorSpec spec = specs.get(name);
        long size = spec.elementCount() * dtype.byteSize();
        MemorySegment segment = arena.allocate(size, 64);
        Tiling tiling = tiling(name);
        tile(segment, tiling.block(), tiling.offset());
        data = new TensorData(name, dtype, spec.shape().clone(), segment);
        made.put(name, data);
        bytes += size;
        return data;
    }

    /** Elements of a tiling block (a power of two). */
    long blockElements() {
        return BLOCK_BYTES / dtype.byteSize();
    }

    /** The shape and part of a tensor the config's checkpoint holds; null for any other name. */
    TensorSpec spec(String name) {
        return specs.get(name);
    }

    /**
     * How a tensor's bytes are made: {@code block} repeated from byte {@code offset} on (a multiple of 64
     * bytes), element 0 of the tensor being the block's element at that offset.
     */
    record Tiling(MemorySegment block, long offset) {}

    /** The tiling of the named tensor (the same every time: {@link SyntheticQuantizedWeights} relies on it). */
    Tiling tiling(String name) {
        // Norm weights scale activations: around 1, as trained ones are; everything else small.
        boolean norm = name.contains("norm") && name.endsWith(".weight");
        return new Tiling(norm ? nearOne : noise, Math.floorMod(name.hashCode(), BLOCK_BYTES / 64) * 64L);
    }

    /** Fills {@code target} with {@code source}'s bytes from {@code offset} on, wrapping around to its start. */
    static void tile(MemorySegment target, MemorySegment source, long offset) {
        long at = 0;
        long from = offset;
        while (at < target.byteSize()) {
            long count = Math.min(target.byteSize() - at, source.byteSize() - from);
            MemorySegment.copy(source, from, target, at, count);
            at += count;
            from = 0;
        }
    }

    private MemorySegment block(SplittableRandom random, float center) {
        MemorySegment block = arena.allocate(BLOCK_BYTES, 64);
        ValueLayout.OfShort half = ValueLayout.JAVA_SHORT_UNALIGNED.withOrder(ByteOrder.LITTLE_ENDIAN);
        ValueLayout.OfFloat single = ValueLayout.JAVA_FLOAT_UNALIGNED.withOrder(ByteOrder.LITTLE_ENDIAN);
        long count = BLOCK_BYTES / dtype.byteSize();
        for (long i = 0; i < count; i++) {
            float value = (float) (center + SCALE * (2 * random.nextDouble() - 1));
            switch (dtype) {
                case F32 -> block.setAtIndex(single, i, value);
                case F16 -> block.setAtIndex(half, i, Float.floatToFloat16(value));
                case BF16 -> block.setAtIndex(half, i, (short) (Float.floatToIntBits(value) >>> 16));
            }
        }
        return block;
    }

    /** Frees every tensor made; none may be used afterwards. */
    @Override
    public synchronized void close() {
        made.clear();
        arena.close();
    }
}
