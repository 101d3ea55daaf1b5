package dev.vllava.cuda;

import dev.vllava.checkpoint.DType;
import dev.vllava.config.TextConfig;
import dev.vllava.config.VideoLlavaConfig;
import dev.vllava.config.VisionConfig;
import dev.vllava.engine.Activation;
import dev.vllava.engine.AttentionShape;
import dev.vllava.engine.Tensor;
import java.util.ArrayList;
import java.util.List;

/**
 * Video-LLaVA's forward pass with random F16 weights generated on the device, at any config's real
 * shapes (7B: 2 × 23 used CLIP-L layers, Llama 32 × 4096): the work of vision encode, prefill and decode
 * for {@link CudaBench}, with no download and no host traffic. Same operations, in the same order, as
 * the model (vision tower → projector → Llama), so its timings are those of a real run; its outputs are
 * meaningless. The KV cache is F32 like every activation.
 */
final class SyntheticVideoLlava implements AutoCloseable {
    private record VisionLayer(Tensor norm1W, Tensor norm1B, Tensor qkv, Tensor qkvBias, Tensor out, Tensor outBias,
                               Tensor norm2W, Tensor norm2B, Tensor fc1, Tensor fc1Bias, Tensor fc2, Tensor fc2Bias) {}

    private record TextLayer(Tensor inputNorm, Tensor qkv, Tensor out, Tensor postNorm, Tensor gateUp, Tensor down) {}

    private final CudaEngine engine;
    private final VisionConfig vision;
    private final TextConfig text;
    private final Activation visionAct;
    private final Tensor patchWeight;
    private final Tensor classEmbedding;
    private final Tensor positions;
    private final Tensor preNormW;
    private final Tensor preNormB;
    private final List<VisionLayer> visionLayers = new ArrayList<>();
    private final Tensor proj1;
    private final Tensor proj1Bias;
    private final Tensor proj2;
    private final Tensor proj2Bias;
    private final Tensor tokenEmbedding;
    private final List<TextLayer> textLayers = new ArrayList<>();
    private final Tensor finalNorm;
    private final Tensor lmHead;
    private long seed = 1;
    private Tensor[] keyCache;
    private Tensor[] valueCache;

    SyntheticVideoLlava(CudaEngine engine, VideoLlavaConfig config) {
        this.engine = engine;
        this.vision = config.vision();
        this.text = config.text();
        this.visionAct = Activation.fromConfig(vision.hiddenAct());
        int h = vision.hiddenSize();
        int patchColumns = 3 * vision.patchSize() * vision.patchSize();
        int tokens = tokensPerFrame();
        patchWeight = random(h, patchColumns);
        classEmbedding = random(1, h);
        positions = random(tokens, h);
        preNormW = random(1, h);
        preNormB = random(1, h);
        int usedLayers = vision.numHiddenLayers() + config.visionFeatureLayer() + 1;
        for (int i = 0; i < usedLayers; i++) {
            visionLayers.add(new VisionLayer(random(1, h), random(1, h), random(3 * h, h), random(1, 3 * h), random(h, h),
                    random(1, h), random(1, h), random(1, h), random(vision.intermediateSize(), h),
                    random(1, vision.intermediateSize()), random(h, vision.intermediateSize()), random(1, h)));
        }
        int d = text.hiddenSize();
        proj1 = random(d, h);
        proj1Bias = random(1, d);
        proj2 = random(d, d);
        proj2Bias = random(1, d);
        tokenEmbedding = random(text.vocabSize(), d);
        int kv = text.numKeyValueHeads() * text.headDim();
        int q = text.numAttentionHeads() * text.headDim();
        for (int i = 0; i < text.numHiddenLayers(); i++) {
            textLayers.add(new TextLayer(random(1, d), random(q + 2 * kv, d), random(d, q), random(1, d),
                    random(2 * text.intermediateSize(), d), random(d, text.intermediateSize())));
        }
        finalNorm = random(1, d);
        lmHead = random(text.vocabSize(), d);
        engine.synchronize();
    }

    private Tensor random(int rows, int columns) {
        // Small values keep activations finite through 32 random layers (the numbers are never read).
        return engine.randomWeight(DType.F16, rows, columns, seed++, 0.02f);
    }

    int tokensPerFrame() {
        int side = vision.imageSize() / vision.patchSize();
        return side * side + 1;
    }

    /** Pixels [frames·3·S·S] → projected visual tokens [frames·tokensPerFrame, text hidden]. */
    Tensor encodeVideo(Tensor pixels, int frames) {
        int tokens = tokensPerFrame();
        int h = vision.hiddenSize();
        int rows = frames * tokens;
        CudaDevice gpu = engine.device();
        Tensor patches = engine.allocate(rows, 3 * vision.patchSize() * vision.patchSize());
        gpu.launch(gpu.function(Kernel.PATCH_IM2COL), Launch.perRow(rows), ((CudaTensor) patches).address,
                ((CudaTensor) pixels).address, vision.imageSize(), vision.patchSize());
        Tensor x = engine.allocate(rows, h);
        engine.matmul(x, patches, patchWeight, null);
        patches.close();
        gpu.launch(gpu.function(Kernel.PATCH_POSITIONS, DType.F16), Launch.perRow(rows), ((CudaTensor) x).address, h,
                ((CudaTensor) classEmbedding).address, ((CudaTensor) positions).address, tokens, h);
        float eps = (float) vision.layerNormEps();
        engine.layerNorm(x, x, preNormW, preNormB, eps);
        Tensor normed = engine.allocate(rows, h);
        Tensor qkv = engine.allocate(rows, 3 * h);
        Tensor attended = engine.allocate(rows, h);
        Tensor projected = engine.allocate(rows, h);
        Tensor hidden = engine.allocate(rows, vision.intermediateSize());
        AttentionShape shape = AttentionShape.full(vision.numAttentionHeads(), vision.headDim());
        for (VisionLayer layer : visionLayers) {
            engine.layerNorm(normed, x, layer.norm1W(), layer.norm1B(), eps);
            engine.matmul(qkv, normed, layer.qkv(), layer.qkvBias());
            for (int f = 0; f < frames; f++) {  // each frame attends within itself
                Tensor frame = qkv.rowSlice(f * tokens, tokens);
                engine.attention(attended.rowSlice(f * tokens, tokens), frame.columnSlice(0, h), frame.columnSlice(h, h),
                        frame.columnSlice(2 * h, h), shape);
            }
            engine.matmul(projected, attended, layer.out(), layer.outBias());
            engine.add(x, x, projected);
            engine.layerNorm(normed, x, layer.norm2W(), layer.norm2B(), eps);
            engine.matmul(hidden, normed, layer.fc1(), layer.fc1Bias());
            engine.activate(hidden, visionAct);
            engine.matmul(projected, hidden, layer.fc2(), layer.fc2Bias());
            engine.add(x, x, projected);
        }
        for (Tensor t : List.of(normed, qkv, attended, projected, hidden)) {
            t.close();
        }
        Tensor mid = engine.allocate(rows, text.hiddenSize());
        engine.matmul(mid, x, proj1, proj1Bias);
        engine.activate(mid, Activation.GELU);
        Tensor visual = engine.allocate(rows, text.hiddenSize());
        engine.matmul(visual, mid, proj2, proj2Bias);
        mid.close();
        x.close();
        return visual;
    }

    /** Allocates the KV cache for {@code capacity} positions (one F32 tensor per layer for keys and values). */
    void allocateCache(int capacity) {
        int kv = text.numKeyValueHeads() * text.headDim();
        keyCache = new Tensor[text.numHiddenLayers()];
        valueCache = new Tensor[text.numHiddenLayers()];
        for (int i = 0; i < keyCache.length; i++) {
            keyCache[i] = engine.allocate(capacity, kv);
            valueCache[i] = engine.allocate(capacity, kv);
        }
    }

    /** Runs the Llama layers on hidden rows at positions {@code first..}; returns the last row's logits. */
    Tensor decoderForward(Tensor x, int first) {
        int rows = x.rows();
        int d = text.hiddenSize();
        int q = text.numAttentionHeads() * text.headDim();
        int kv = text.numKeyValueHeads() * text.headDim();
        float eps = (float) text.rmsNormEps();
        Tensor normed = engine.allocate(rows, d);
        Tensor qkv = engine.allocate(rows, q + 2 * kv);
        Tensor attended = engine.allocate(rows, q);
        Tensor projected = engine.allocate(rows, d);
        Tensor gateUp = engine.allocate(rows, 2 * text.intermediateSize());
        AttentionShape shape = AttentionShape.causal(text.numAttentionHeads(), text.numKeyValueHeads(), text.headDim(), first);
        for (int i = 0; i < textLayers.size(); i++) {
            TextLayer layer = textLayers.get(i);
            engine.rmsNorm(normed, x, layer.inputNorm(), eps);
            engine.matmul(qkv, normed, layer.qkv(), null);
            engine.rope(qkv.columnSlice(0, q), text.numAttentionHeads(), text.headDim(), first, text.ropeTheta());
            engine.rope(qkv.columnSlice(q, kv), text.numKeyValueHeads(), text.headDim(), first, text.ropeTheta());
            engine.copy(keyCache[i].rowSlice(first, rows), qkv.columnSlice(q, kv));
            engine.copy(valueCache[i].rowSlice(first, rows), qkv.columnSlice(q + kv, kv));
            engine.attention(attended, qkv.columnSlice(0, q), keyCache[i].rowSlice(0, first + rows),
                    valueCache[i].rowSlice(0, first + rows), shape);
            engine.matmul(projected, attended, layer.out(), null);
            engine.add(x, x, projected);
            engine.rmsNorm(normed, x, layer.postNorm(), eps);
            engine.matmul(gateUp, normed, layer.gateUp(), null);
            Tensor gate = gateUp.columnSlice(0, text.intermediateSize());
            engine.siluGate(gate, gate, gateUp.columnSlice(text.intermediateSize(), text.intermediateSize()));
            engine.matmul(projected, gate, layer.down(), null);
            engine.add(x, x, projected);
        }
        Tensor last = engine.allocate(1, d);
        engine.rmsNorm(last, x.rowSlice(rows - 1, 1), finalNorm, eps);
        Tensor logits = engine.allocate(1, text.vocabSize());
        engine.matmul(logits, last, lmHead, null);
        for (Tensor t : List.of(normed, qkv, attended, projected, gateUp, last)) {
            t.close();
        }
        return logits;
    }

    /** Token embeddings for ids into rows of {@code out}. */
    void embed(Tensor out, int[] ids) {
        engine.embed(out, tokenEmbedding, ids);
    }

    TextConfig text() {
        return text;
    }

    @Override
    public void close() {
        if (keyCache != null) {
            for (int i = 0; i < keyCache.length; i++) {
                keyCache[i].close();
                valueCache[i].close();
            }
        }
    }
}
