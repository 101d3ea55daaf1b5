package dev.vllava.model;

import dev.vllava.VllavaException;
import dev.vllava.checkpoint.TensorData;
import dev.vllava.config.VisionConfig;
import dev.vllava.engine.Activation;
import dev.vllava.engine.AttentionShape;
import dev.vllava.engine.Engine;
import dev.vllava.engine.Tensor;
import java.util.ArrayList;
import java.util.List;

/**
 * One CLIP ViT tower ({@code image_tower} or {@code video_tower}): pixels of F frames in, the tower's
 * {@code hidden_states[vision_feature_layer]} out, {@code [F·tokens, hidden]} with the class token
 * first in each frame. Only the layers that feed that hidden state are loaded and run.
 *
 * <p>Frames never attend to each other, so the encoder runs in passes of at most {@link #FRAMES_PER_PASS}
 * frames over a workspace kept with the tower: it is allocated by the first pass and grows only when a
 * pass has more frames than any before, so encoding allocates only its result and the patch rows it
 * uploads. Video-LLaVA's 8-frame video is one pass, with the matmul shapes of a whole video.
 */
public final class VisionTower implements AutoCloseable {
    /** Frames per encoder pass: Video-LLaVA's frames per video. */
    static final int FRAMES_PER_PASS = 8;

    private final Engine engine;
    private final VisionConfig config;
    private final Tensor patchWeight;
    private final Tensor classAndPositions;
    private final Tensor preNormWeight;
    private final Tensor preNormBias;
    private final List<EncoderLayer> layers;
    private final Activation activation;
    private final Workspace work;

    /** A pass's activations between the residual adds. */
    private record Workspace(ReusedTensor normed, ReusedTensor qkv, ReusedTensor context, ReusedTensor delta,
            ReusedTensor inner) implements AutoCloseable {
        @Override
        public void close() {
            List.of(normed, qkv, context, delta, inner).forEach(ReusedTensor::close);
        }
    }

    private record EncoderLayer(
            Tensor norm1Weight, Tensor norm1Bias, StackedLinear qkv, StackedLinear outProj,
            Tensor norm2Weight, Tensor norm2Bias, StackedLinear fc1, StackedLinear fc2) {}

    /**
     * @param weights    the tower's tensors, e.g. under {@code video_tower.vision_model.}
     * @param layersUsed encoder layers that run ({@code hidden_states[k]} is layer k-1's output)
     */
    VisionTower(Engine engine, VisionConfig config, CheckpointTensors weights, int layersUsed) {
        this.engine = engine;
        this.config = config;
        this.activation = Activation.fromConfig(config.hiddenAct());
        CheckpointTensors embeddings = weights.under("embeddings.");
        this.patchWeight = engine.weight(embeddings.get("patch_embedding.weight"));
        this.classAndPositions = classAndPositions(embeddings);
        this.preNormWeight = engine.weight(weights.get("pre_layrnorm.weight"));
        this.preNormBias = engine.weight(weights.get("pre_layrnorm.bias"));
        this.layers = new ArrayList<>();
        for (int i = 0; i < layersUsed; i++) {
            layers.add(loadLayer(weights.under("encoder.layers." + i + ".")));
        }
        int width = config.hiddenSize();
        EncoderLayer first = layers.getFirst();
        this.work = new Workspace(new ReusedTensor(engine, width), new ReusedTensor(engine, first.qkv().outputs()),
                new ReusedTensor(engine, width), new ReusedTensor(engine, width), new ReusedTensor(engine, first.fc1().outputs()));
    }

    public int tokensPerFrame() {
        return config.tokensPerImage();
    }

    public int hiddenSize() {
        return config.hiddenSize();
    }

    /** {@code pixels} is {@code [frames, channels, size, size]}; returns a new {@code [frames·tokens, hidden]} tensor. */
    public Tensor encode(float[] pixels, int frames) {
        return encode(pixels, frames, null);
    }

    /**
     * As {@link #encode(float[], int)}; when {@code clsAttention} is not null, also sets
     * {@code clsAttention[frame]} to the feature layer's [CLS] attention over that frame's tokens,
     * averaged over heads (for {@link VisualTokenSelection}).
     */
    public Tensor encode(float[] pixels, int frames, float[][] clsAttention) {
        Tensor hidden = embeddings(pixels, frames);
        int tokens = tokensPerFrame();
        for (int first = 0; first < frames; first += FRAMES_PER_PASS) {
            int passFrames = Math.min(FRAMES_PER_PASS, frames - first);
            Tensor rows = hidden.rowSlice(first * tokens, passFrames * tokens);
            for (EncoderLayer layer : layers) {
                float[][] passAttention = encoderLayer(rows, layer, passFrames, clsAttention != null && layer == layers.getLast());
                if (passAttention != null) {
                    System.arraycopy(passAttention, 0, clsAttention, first, passFrames);
                }
            }
        }
        return hidden;
    }

    /** pre_layrnorm(patch embeddings + class token + position embeddings): {@code hidden_states[0]}. */
    private Tensor embeddings(float[] pixels, int frames) {
        int tokens = tokensPerFrame();
        int patchColumns = config.numChannels() * config.patchSize() * config.patchSize();
        Tensor hidden = engine.allocate(frames * tokens, config.hiddenSize());
        try (Tensor patches = engine.upload(patchRows(pixels, frames), frames * tokens, patchColumns)) {
            engine.matmul(hidden, patches, patchWeight, null);
        }
        for (int frame = 0; frame < frames; frame++) {
            Tensor rows = hidden.rowSlice(frame * tokens, tokens);
            engine.add(rows, rows, classAndPositions);
        }
        engine.layerNorm(hidden, hidden, preNormWeight, preNormBias, (float) config.layerNormEps());
        return hidden;
    }

    /**
     * Pre-LN layer over a pass's frames: {@code x += attention(layer_norm1(x)); x += mlp(layer_norm2(x))}.
     * Returns each frame's head-averaged [CLS] attention row when {@code withClsAttention}, else null.
     */
    private float[][] encoderLayer(Tensor hidden, EncoderLayer layer, int frames, boolean withClsAttention) {
        float eps = (float) config.layerNormEps();
        Tensor normed = work.normed().rows(hidden.rows());
        Tensor delta = work.delta().rows(hidden.rows());
        engine.layerNorm(normed, hidden, layer.norm1Weight(), layer.norm1Bias(), eps);
        float[][] clsAttention = attention(delta, normed, layer, frames, withClsAttention);
        engine.add(hidden, hidden, delta);
        engine.layerNorm(normed, hidden, layer.norm2Weight(), layer.norm2Bias(), eps);
        Tensor inner = work.inner().rows(hidden.rows());
        layer.fc1().applyActivated(inner, normed, activation);
        layer.fc2().apply(delta, inner);
        engine.add(hidden, hidden, delta);
        return clsAttention;
    }

    /**
     * Self-attention with biases into {@code out}: every token of a frame sees every token of the same frame.
     * Returns each frame's head-averaged [CLS] row when {@code withClsAttention}, else null.
     */
    private float[][] attention(Tensor out, Tensor x, EncoderLayer layer, int frames, boolean withClsAttention) {
        int width = config.hiddenSize();
        int tokens = tokensPerFrame();
        AttentionShape shape = AttentionShape.full(config.numAttentionHeads(), config.headDim());
        Tensor qkv = work.qkv().rows(x.rows());
        Tensor context = work.context().rows(x.rows());
        layer.qkv().apply(qkv, x);
        Tensor q = qkv.columnSlice(0, width);
        Tensor k = qkv.columnSlice(width, width);
        Tensor v = qkv.columnSlice(2 * width, width);
        float[][] clsAttention = withClsAttention ? new float[frames][] : null;
        for (int frame = 0; frame < frames; frame++) {
            int first = frame * tokens;
            engine.attention(context.rowSlice(first, tokens), q.rowSlice(first, tokens), k.rowSlice(first, tokens),
                    v.rowSlice(first, tokens), shape);
            if (withClsAttention) {
                clsAttention[frame] = VisualTokenSelection.clsAttention(engine, q.rowSlice(first, tokens), k.rowSlice(first, tokens), shape);
            }
        }
        layer.outProj().apply(out, context);
        return clsAttention;
    }

    /**
     * im2col of the bias-free patch convolution: row {@code frame·tokens + 1 + patch} holds that patch's
     * pixels in (channel, kernel row, kernel column) order, the weight's order viewed as
     * {@code [hidden, channels·p·p]}. Row {@code frame·tokens} stays zero: the class token's slot.
     */
    private float[] patchRows(float[] pixels, int frames) {
        int channels = config.numChannels();
        int size = config.imageSize();
        int patch = config.patchSize();
        int side = config.patchesPerSide();
        int tokens = tokensPerFrame();
        int columns = channels * patch * patch;
        long expected = (long) frames * channels * size * size;
        if (pixels.length != expected) {
            throw VllavaException.usage("pixel values hold %d floats, expected %d frames x %d x %d x %d = %d",
                    pixels.length, frames, channels, size, size, expected);
        }
        float[] rows = new float[frames * tokens * columns];
        for (int frame = 0; frame < frames; frame++) {
            for (int py = 0; py < side; py++) {
                for (int px = 0; px < side; px++) {
                    int rowStart = (frame * tokens + 1 + py * side + px) * columns;
                    for (int c = 0; c < channels; c++) {
                        for (int kh = 0; kh < patch; kh++) {
                            int source = ((frame * channels + c) * size + py * patch + kh) * size + px * patch;
                            int target = rowStart + (c * patch + kh) * patch;
                            System.arraycopy(pixels, source, rows, target, patch);
                        }
                    }
                }
            }
        }
        return rows;
    }

    /** Position embeddings of one frame with the class embedding added to row 0 (where the class token sits). */
    private Tensor classAndPositions(CheckpointTensors embeddings) {
        int tokens = tokensPerFrame();
        TensorData positions = embeddings.get("position_embedding.weight");
        if (positions.rows() != tokens) {
            throw VllavaException.checkpoint("%s has %d rows, but image_size %d / patch_size %d gives %d tokens per image",
                    positions.name(), positions.rows(), config.imageSize(), config.patchSize(), tokens);
        }
        Tensor positionTable = engine.weight(positions);
        Tensor classTable = engine.weight(embeddings.get("class_embedding"));
        Tensor result = engine.allocate(tokens, config.hiddenSize());
        int[] positionIds = new int[tokens];
        for (int i = 0; i < tokens; i++) {
            positionIds[i] = i;
        }
        engine.embed(result, positionTable, positionIds);
        try (Tensor classRow = engine.allocate(1, config.hiddenSize())) {
            engine.embed(classRow, classTable, new int[] {0});
            Tensor first = result.rowSlice(0, 1);
            engine.add(first, first, classRow);
        }
        return result;
    }

    private EncoderLayer loadLayer(CheckpointTensors layer) {
        CheckpointTensors attention = layer.under("self_attn.");
        StackedLinear qkv = StackedLinear.of(engine,
                List.of(attention.get("q_proj.weight"), attention.get("k_proj.weight"), attention.get("v_proj.weight")),
                List.of(attention.get("q_proj.bias"), attention.get("k_proj.bias"), attention.get("v_proj.bias")));
        return new EncoderLayer(
                engine.weight(layer.get("layer_norm1.weight")),
                engine.weight(layer.get("layer_norm1.bias")),
                qkv,
                StackedLinear.single(engine, attention.get("out_proj.weight"), attention.get("out_proj.bias")),
                engine.weight(layer.get("layer_norm2.weight")),
                engine.weight(layer.get("layer_norm2.bias")),
                StackedLinear.single(engine, layer.get("mlp.fc1.weight"), layer.get("mlp.fc1.bias")),
                StackedLinear.single(engine, layer.get("mlp.fc2.weight"), layer.get("mlp.fc2.bias")));
    }

    @Override
    public void close() {
        work.close();
    }
}
