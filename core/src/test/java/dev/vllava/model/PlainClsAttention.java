package dev.vllava.model;

import dev.vllava.checkpoint.TensorData;
import java.lang.foreign.ValueLayout;
import java.nio.ByteOrder;
import java.util.function.Function;

/**
 * The [CLS] attention of a CLIP tower's first encoder layer written out as plain loops over the
 * checkpoint's F32 weights and the pixel values, sharing no code with the engines: patch convolution,
 * class and position embeddings, pre_layrnorm (= hidden_states[0]), layer_norm1, the q and k
 * projections, then per head {@code softmax(q[CLS]·k[j]/sqrt(d))}, averaged over heads. For tiny-a the
 * first layer is the feature layer (2 layers, vision_feature_layer -2).
 */
final class PlainClsAttention {
    private final Function<String, TensorData> tensors;
    private final String prefix;
    private final int hidden;
    private final int heads;
    private final int patch;
    private final int size;
    private final double eps;

    PlainClsAttention(Function<String, TensorData> tensors, String tower, int hidden, int heads, int patch, int size, double eps) {
        this.tensors = tensors;
        this.prefix = tower + ".vision_model.";
        this.hidden = hidden;
        this.heads = heads;
        this.patch = patch;
        this.size = size;
        this.eps = eps;
    }

    /** Head-averaged [CLS] attention over the 1 + patches tokens of frame {@code frame} of {@code pixels [frames,3,S,S]}. */
    double[] frame(float[] pixels, int frame) {
        double[][] x = layerNorm(embeddings(pixels, frame), "pre_layrnorm");
        x = layerNorm(x, "encoder.layers.0.layer_norm1");
        double[][] q = linear(x, "encoder.layers.0.self_attn.q_proj");
        double[][] k = linear(x, "encoder.layers.0.self_attn.k_proj");
        int tokens = x.length;
        int headDim = hidden / heads;
        double[] mean = new double[tokens];
        for (int h = 0; h < heads; h++) {
            double[] scores = new double[tokens];
            double max = Double.NEGATIVE_INFINITY;
            for (int j = 0; j < tokens; j++) {
                for (int i = 0; i < headDim; i++) {
                    scores[j] += q[0][h * headDim + i] * k[j][h * headDim + i];
                }
                scores[j] /= Math.sqrt(headDim);
                max = Math.max(max, scores[j]);
            }
            double total = 0;
            for (int j = 0; j < tokens; j++) {
                scores[j] = Math.exp(scores[j] - max);
                total += scores[j];
            }
            for (int j = 0; j < tokens; j++) {
                mean[j] += scores[j] / total / heads;
            }
        }
        return mean;
    }

    private double[][] embeddings(float[] pixels, int frame) {
        int side = size / patch;
        float[] conv = floats("embeddings.patch_embedding.weight"); // [hidden, 3, patch, patch]
        float[] positions = floats("embeddings.position_embedding.weight");
        float[] cls = floats("embeddings.class_embedding");
        double[][] x = new double[1 + side * side][hidden];
        for (int o = 0; o < hidden; o++) {
            x[0][o] = cls[o] + positions[o];
        }
        for (int py = 0; py < side; py++) {
            for (int px = 0; px < side; px++) {
                int token = 1 + py * side + px;
                for (int o = 0; o < hidden; o++) {
                    double sum = 0;
                    for (int c = 0; c < 3; c++) {
                        for (int ky = 0; ky < patch; ky++) {
                            for (int kx = 0; kx < patch; kx++) {
                                float pixel = pixels[((frame * 3 + c) * size + py * patch + ky) * size + px * patch + kx];
                                sum += conv[((o * 3 + c) * patch + ky) * patch + kx] * pixel;
                            }
                        }
                    }
                    x[token][o] = sum + positions[token * hidden + o];
                }
            }
        }
        return x;
    }

    private double[][] layerNorm(double[][] x, String name) {
        float[] weight = floats(name + ".weight");
        float[] bias = floats(name + ".bias");
        double[][] y = new double[x.length][hidden];
        for (int t = 0; t < x.length; t++) {
            double mean = 0;
            for (double v : x[t]) {
                mean += v / hidden;
            }
            double variance = 0;
            for (double v : x[t]) {
                variance += (v - mean) * (v - mean) / hidden;
            }
            for (int i = 0; i < hidden; i++) {
                y[t][i] = (x[t][i] - mean) / Math.sqrt(variance + eps) * weight[i] + bias[i];
            }
        }
        return y;
    }

    private double[][] linear(double[][] x, String name) {
        float[] weight = floats(name + ".weight"); // [out, in]
        float[] bias = floats(name + ".bias");
        double[][] y = new double[x.length][hidden];
        for (int t = 0; t < x.length; t++) {
            for (int o = 0; o < hidden; o++) {
                double sum = bias[o];
                for (int i = 0; i < hidden; i++) {
                    sum += weight[o * hidden + i] * x[t][i];
                }
                y[t][o] = sum;
            }
        }
        return y;
    }

    private float[] floats(String name) {
        TensorData data = tensors.apply(prefix + name);
        return data.data().toArray(ValueLayout.JAVA_FLOAT_UNALIGNED.withOrder(ByteOrder.LITTLE_ENDIAN));
    }
}
