package dev.vllava.model;

import dev.vllava.checkpoint.DType;
import dev.vllava.engine.AttentionShape;
import dev.vllava.engine.Engine;
import dev.vllava.engine.Tensor;
import java.util.ArrayList;
import java.util.List;

/**
 * Keys and values as one {@code [capacity, kvWidth]} tensor per layer in the engine's KV dtype
 * ({@link Engine#kvCacheDtype}), allocated up front for the whole context.
 */
final class ContiguousKvStorage implements KvStorage {
    private final Engine engine;
    private final List<Tensor> keys = new ArrayList<>();
    private final List<Tensor> values = new ArrayList<>();
    private final int capacity;
    private final DType dtype;

    ContiguousKvStorage(Engine engine, int layers, int capacity, int kvWidth, DType dtype) {
        this.engine = engine;
        this.capacity = capacity;
        this.dtype = dtype;
        for (int i = 0; i < layers; i++) {
            keys.add(engine.allocate(capacity, kvWidth, dtype));
            values.add(engine.allocate(capacity, kvWidth, dtype));
        }
    }

    @Override
    public int capacity() {
        return capacity;
    }

    @Override
    public void write(int layer, int first, Tensor k, Tensor v, KeyRotation rotation) {
        engine.ropeInto(keys.get(layer).rowSlice(first, k.rows()), k, rotation.kvHeads(), rotation.headDim(), first,
                rotation.theta());
        engine.copy(values.get(layer).rowSlice(first, v.rows()), v);
    }

    @Override
    public void attend(int layer, Tensor out, Tensor queries, int visible, AttentionShape shape) {
        engine.attention(out, queries, keys.get(layer).rowSlice(0, visible), values.get(layer).rowSlice(0, visible), shape);
    }

    @Override
    public KvStorage share(int positions, int newCapacity) {
        ContiguousKvStorage copy = new ContiguousKvStorage(engine, keys.size(), newCapacity, keys.getFirst().columns(), dtype);
        for (int layer = 0; layer < keys.size(); layer++) {
            engine.copy(copy.keys.get(layer).rowSlice(0, positions), keys.get(layer).rowSlice(0, positions));
            engine.copy(copy.values.get(layer).rowSlice(0, positions), values.get(layer).rowSlice(0, positions));
        }
        return copy;
    }

    @Override
    public void close() {
        keys.forEach(Tensor::close);
        values.forEach(Tensor::close);
        keys.clear();
        values.clear();
    }
}
