package dev.vllava.model;

import dev.vllava.checkpoint.TensorData;
import dev.vllava.engine.Activation;
import dev.vllava.engine.Engine;
import dev.vllava.engine.Tensor;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import java.util.Objects;

/**
 * Linear layers that read the same input, their outputs side by side in one tensor (q|k|v,
 * gate|up). When the parts share a dtype they become one stacked weight and one matmul
 * ({@link Engine#weightRows}); otherwise each part writes its own column range. Either way
 * {@link #apply} gives the same layout, so the model code never asks which happened.
 */
final class StackedLinear {
    private final Engine engine;
    private final List<Tensor> weights;
    private final List<Tensor> biases;
    private final int[] widths;
    private final int outputs;

    private StackedLinear(Engine engine, List<Tensor> weights, List<Tensor> biases, int[] widths) {
        this.engine = engine;
        this.weights = weights;
        this.biases = biases;
        this.widths = widths;
        int sum = 0;
        for (int width : widths) {
            sum += width;
        }
        this.outputs = sum;
    }

    /** One layer; {@code bias} may be null. */
    static StackedLinear single(Engine engine, TensorData weight, TensorData bias) {
        return of(engine, List.of(weight), bias == null ? null : List.of(bias));
    }

    /** Parts in output order; {@code biases} is null or has one entry per part. */
    static StackedLinear of(Engine engine, List<TensorData> weights, List<TensorData> biases) {
        int[] widths = weights.stream().mapToInt(w -> Math.toIntExact(w.rows())).toArray();
        boolean sameWeightShape = weights.stream().allMatch(w -> w.dtype() == weights.getFirst().dtype()
                && w.columns() == weights.getFirst().columns());
        boolean sameBiasType = biases == null || biases.stream().allMatch(b -> b.dtype() == biases.getFirst().dtype());
        List<Tensor> biasTensors = new ArrayList<>();
        if (weights.size() == 1 || (sameWeightShape && sameBiasType)) {
            Tensor weight = weights.size() == 1 ? engine.weight(weights.getFirst()) : engine.weightRows(weights);
            if (biases != null) {
                TensorData bias = biases.size() == 1 ? biases.getFirst()
                        : CheckpointTensors.concatenate(biases.getFirst().name() + "+stacked", biases);
                biasTensors.add(engine.weight(bias));
            }
            return new StackedLinear(engine, List.of(weight), biases == null ? null : biasTensors,
                    new int[] {Arrays.stream(widths).sum()});
        }
        List<Tensor> weightTensors = weights.stream().map(engine::weight).toList();
        if (biases != null) {
            biases.stream().map(engine::weight).forEach(biasTensors::add);
        }
        return new StackedLinear(engine, weightTensors, biases == null ? null : biasTensors, widths);
    }

    int outputs() {
        return outputs;
    }

    /** {@code out = fn(x · Wᵀ + b)} ({@link Engine#matmulActivate}, fused where the engine can). */
    void applyActivated(Tensor out, Tensor x, Activation fn) {
        if (weights.size() == 1) {
            engine.matmulActivate(out, x, weights.getFirst(), biases == null ? null : biases.getFirst(), fn);
        } else {
            apply(out, x);
            engine.activate(out, fn);
        }
    }

    /** {@code out[:, parts side by side] = x · Wᵀ + b}; out is {@code [x.rows, outputs]}. */
    void apply(Tensor out, Tensor x) {
        Objects.checkIndex(outputs - 1, out.columns());
        int column = 0;
        for (int i = 0; i < weights.size(); i++) {
            Tensor target = weights.size() == 1 ? out : out.columnSlice(column, widths[i]);
            engine.matmul(target, x, weights.get(i), biases == null ? null : biases.get(i));
            column += widths[i];
        }
    }
}
