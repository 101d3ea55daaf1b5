package dev.vllava.model;

import dev.vllava.engine.Activation;
import dev.vllava.engine.Engine;
import dev.vllava.engine.Tensor;

/** {@code multi_modal_projector}: vision features into the language model's embedding space, {@code linear_2(act(linear_1(x)))}. */
public final class Projector {
    private final Engine engine;
    private final StackedLinear linear1;
    private final StackedLinear linear2;
    private final Activation activation;

    Projector(Engine engine, CheckpointTensors weights, String projectorHiddenAct) {
        this.engine = engine;
        this.linear1 = StackedLinear.single(engine, weights.get("linear_1.weight"), weights.get("linear_1.bias"));
        this.linear2 = StackedLinear.single(engine, weights.get("linear_2.weight"), weights.get("linear_2.bias"));
        this.activation = Activation.fromConfig(projectorHiddenAct);
    }

    /** {@code features [n, vision hidden]} to a new {@code [n, text hidden]} tensor. */
    public Tensor project(Tensor features) {
        try (Tensor inner = engine.allocate(features.rows(), linear1.outputs())) {
            linear1.applyActivated(inner, features, activation);
            Tensor out = engine.allocate(features.rows(), linear2.outputs());
            linear2.apply(out, inner);
            return out;
        }
    }
}
