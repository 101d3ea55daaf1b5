package dev.vllava.engine.cpu;

import dev.vllava.checkpoint.DType;
import dev.vllava.checkpoint.TensorData;
import dev.vllava.checkpoint.quant.LoadQuantization;
import dev.vllava.engine.Activation;
import dev.vllava.engine.AttentionShape;
import dev.vllava.engine.Engine;
import dev.vllava.engine.Tensor;
import java.lang.foreign.Arena;
import java.lang.foreign.MemorySegment;
import java.util.ArrayList;
import java.util.List;

/**
 * The pure-Java engine: F32 activations in off-heap buffers, weights read in their stored dtype
 * straight from the memory-mapped checkpoint, work split over a fixed pool of {@code threads}.
 */
public final class CpuEngine implements Engine {

    private final ParallelLoop loop;
    private final ActivationMemory memory = new ActivationMemory();
    private Rope rope;
    /** {@code --weights q8|q4}: weights quantized as they are placed, into {@link #quantizedWeights}; null keeps them as stored. */
    private final LoadQuantization quantizeAtLoad;
    private final Arena quantizedWeights = Arena.ofShared();

    public CpuEngine(int threads) {
        this(threads, null);
    }

    /** @param quantizeAtLoad the weights to quantize while loading, or null for none */
    public CpuEngine(int threads, LoadQuantization quantizeAtLoad) {
        this.loop = new ParallelLoop(threads);
        this.quantizeAtLoad = quantizeAtLoad;
    }

    /** An engine using every available processor. */
    public CpuEngine() {
        this(Runtime.getRuntime().availableProcessors());
    }

    @Override
    public String name() {
        return "cpu";
    }

    public int threads() {
        return loop.threads();
    }

    // ---- storage ------------------------------------------------------------------------------

    @Override
    public Tensor weight(TensorData stored) {
        TensorData data = asPlaced(stored);
        if (data.isQuantized()) {
            return QuantizedWeight.of(List.of(data));
        }
        long rows = data.rows();
        long columns = data.columns();
        if (rows > Integer.MAX_VALUE || columns > Integer.MAX_VALUE) {
            throw new IllegalArgumentException("weight " + data + " is too large for a 2-D view");
        }
        long bytes = rows * columns * data.dtype().byteSize();
        if (data.data().byteSize() < bytes) {
            throw new IllegalArgumentException("weight " + data + " has " + data.data().byteSize()
                    + " bytes, expected " + bytes);
        }
        return new CpuTensor(data.data(), data.dtype(), 0, (int) rows, (int) columns, (int) columns, null, memory);
    }

    @Override
    public Tensor weightRows(List<TensorData> stored) {
        List<TensorData> parts = stored.stream().map(this::asPlaced).toList();
        if (parts.stream().anyMatch(TensorData::isQuantized)) {
            return QuantizedWeight.of(parts);
        }
        List<CpuTensor> tensors = new ArrayList<>();
        boolean allVectors = true;
        for (TensorData part : parts) {
            tensors.add((CpuTensor) weight(part));
            allVectors &= part.shape().length == 1;
        }
        return tensors.size() == 1 ? tensors.getFirst() : new StackedWeight(tensors, allVectors);
    }

    @Override
    public Tensor allocate(int rows, int columns) {
        if (rows < 0 || columns < 0) {
            throw new IllegalArgumentException("negative shape " + rows + "x" + columns);
        }
        ActivationMemory.Block block = memory.take((long) rows * columns * Float.BYTES);
        return new CpuTensor(block.segment(), DType.F32, 0, rows, columns, columns, block, memory);
    }

    @Override
    public Tensor upload(float[] values, int rows, int columns) {
        if (values.length != (long) rows * columns) {
            throw new IllegalArgumentException("upload of " + values.length + " values as " + rows + "x" + columns);
        }
        CpuTensor tensor = (CpuTensor) allocate(rows, columns);
        MemorySegment.copy(values, 0, tensor.segment, CpuTensor.F32, 0, values.length);
        return tensor;
    }

    @Override
    public float[] download(Tensor tensor) {
        if (tensor instanceof StackedWeight stacked) {
            // Rows stacked or vectors joined: either way the parts' values follow one another.
            float[] all = new float[stacked.rows() * stacked.columns()];
            int at = 0;
            for (CpuTensor part : stacked.parts) {
                float[] values = download(part);
                System.arraycopy(values, 0, all, at, values.length);
                at += values.length;
            }
            return all;
        }
        CpuTensor t = cpu(tensor);
        float[] values = new float[t.rows * t.columns];
        float[] row = new float[t.columns];
        for (int r = 0; r < t.rows; r++) {
            t.readRow(r, row);
            System.arraycopy(row, 0, values, r * t.columns, t.columns);
        }
        return values;
    }

    @Override
    public void copy(Tensor dst, Tensor src) {
        CpuTensor d = output(dst);
        CpuTensor s = cpu(src);
        sameShape(d, s, "copy");
        loop.forRange(d.rows, 64, (start, end) -> {
            float[] row = new float[d.columns];
            for (int r = start; r < end; r++) {
                s.readRow(r, row);
                d.writeRow(r, row);
            }
        });
    }

    // ---- arithmetic ---------------------------------------------------------------------------

    @Override
    public void matmul(Tensor out, Tensor x, Tensor weight, Tensor bias) {
        CpuTensor o = output(out);
        CpuTensor in = cpu(x);
        List<CpuTensor> parts = weight instanceof QuantizedWeight ? List.of()
                : weight instanceof StackedWeight stacked && !stacked.joinedVectors ? stacked.parts : List.of(cpu(weight));
        if (in.columns != weight.columns() || o.rows != in.rows || o.columns != weight.rows()) {
            throw new IllegalArgumentException("matmul shapes: out " + o + ", x " + in + ", weight "
                    + weight.rows() + "x" + weight.columns());
        }
        float[] biasValues = bias == null ? null : download(bias);
        if (biasValues != null && biasValues.length != o.columns) {
            throw new IllegalArgumentException("matmul bias has " + biasValues.length + " values for "
                    + o.columns + " outputs");
        }
        // The kernels read F32 inputs; a weight used as the input (rare) is converted first.
        CpuTensor input = in.isF32() ? in : (CpuTensor) upload(download(in), in.rows, in.columns);
        if (weight instanceof QuantizedWeight quantized) {
            QuantizedMatmul.run(loop, o, input, quantized, biasValues);
        }
        int column = 0;
        for (CpuTensor part : parts) {
            Matmul.run(loop, o.columnSlice(column, part.rows), input, part, biasValues, column);
            column += part.rows;
        }
        if (input != in) {
            input.close();
        }
    }

    @Override
    public void add(Tensor out, Tensor a, Tensor b) {
        pairwise("add", out, a, b, (l, r) -> {
            for (int c = 0; c < l.length; c++) {
                l[c] += r[c];
            }
        });
    }

    @Override
    public void rmsNorm(Tensor out, Tensor x, Tensor weight, float eps) {
        CpuTensor o = output(out);
        CpuTensor in = cpu(x);
        sameShape(o, in, "rmsNorm");
        float[] w = vector(weight, in.columns, "rmsNorm weight");
        loop.forRange(o.rows, 4, (start, end) -> {
            float[] row = new float[o.columns];
            for (int r = start; r < end; r++) {
                in.readRow(r, row);
                Norms.rmsNorm(row, row.length, w, eps);
                o.writeRow(r, row);
            }
        });
    }

    @Override
    public void layerNorm(Tensor out, Tensor x, Tensor weight, Tensor bias, float eps) {
        CpuTensor o = output(out);
        CpuTensor in = cpu(x);
        sameShape(o, in, "layerNorm");
        float[] w = vector(weight, in.columns, "layerNorm weight");
        float[] b = vector(bias, in.columns, "layerNorm bias");
        loop.forRange(o.rows, 4, (start, end) -> {
            float[] row = new float[o.columns];
            for (int r = start; r < end; r++) {
                in.readRow(r, row);
                Norms.layerNorm(row, row.length, w, b, eps);
                o.writeRow(r, row);
            }
        });
    }

    @Override
    public void activate(Tensor x, Activation fn) {
        CpuTensor t = output(x);
        loop.forRange(t.rows, 4, (start, end) -> {
            float[] row = new float[t.columns];
            for (int r = start; r < end; r++) {
                t.readRow(r, row);
                Activations.apply(fn, row, row.length);
                t.writeRow(r, row);
            }
        });
    }

    @Override
    public void siluGate(Tensor out, Tensor gate, Tensor up) {
        pairwise("siluGate", out, gate, up, (g, u) -> Activations.siluGate(g, u, g.length));
    }

    /** Combines two rows into the first array ({@code left ← f(left, right)}). */
    private interface RowPair {
        void combine(float[] left, float[] right);
    }

    /** {@code out[r] = f(a[r], b[r])} for every row, rows split over the threads; out may alias a or b. */
    private void pairwise(String op, Tensor out, Tensor a, Tensor b, RowPair f) {
        CpuTensor o = output(out);
        CpuTensor left = cpu(a);
        CpuTensor right = cpu(b);
        sameShape(o, left, op);
        sameShape(o, right, op);
        loop.forRange(o.rows, 4, (start, end) -> {
            float[] l = new float[o.columns];
            float[] r = new float[o.columns];
            for (int row = start; row < end; row++) {
                left.readRow(row, l);
                right.readRow(row, r);
                f.combine(l, r);
                o.writeRow(row, l);
            }
        });
    }

    @Override
    public void rope(Tensor x, int heads, int headDim, int firstPosition, double theta) {
        CpuTensor t = output(x);
        if (headDim % 2 != 0 || (long) heads * headDim > t.columns) {
            throw new IllegalArgumentException("rope of " + heads + " heads of " + headDim + " on " + t);
        }
        if (firstPosition < 0) {
            throw new IllegalArgumentException("rope at negative position " + firstPosition);
        }
        Rope table = ropeTable(headDim, theta);
        table.ensure(firstPosition + t.rows);
        loop.forRange(t.rows, 4, (start, end) -> {
            float[] row = new float[t.columns];
            for (int r = start; r < end; r++) {
                t.readRow(r, row);
                table.rotateRow(row, heads, firstPosition + r);
                t.writeRow(r, row);
            }
        });
    }

    @Override
    public void attention(Tensor out, Tensor q, Tensor k, Tensor v, AttentionShape shape) {
        CpuTensor o = output(out);
        CpuTensor query = cpu(q);
        CpuTensor key = cpu(k);
        CpuTensor value = cpu(v);
        int qWidth = shape.heads() * shape.headDim();
        int kvWidth = shape.kvHeads() * shape.headDim();
        if (shape.kvHeads() <= 0 || shape.heads() % shape.kvHeads() != 0 || query.columns != qWidth
                || o.columns != qWidth || o.rows != query.rows || key.columns != kvWidth
                || value.columns != kvWidth || key.rows != value.rows || !query.isF32() || !key.isF32()
                || !value.isF32()) {
            throw new IllegalArgumentException("attention shapes: out " + o + ", q " + query + ", k " + key
                    + ", v " + value + ", " + shape);
        }
        if (shape.causal() && shape.queryOffset() + query.rows > key.rows) {
            throw new IllegalArgumentException("causal attention of " + query.rows + " queries at offset "
                    + shape.queryOffset() + " over only " + key.rows + " keys");
        }
        Attention.run(loop, o, query, key, value, shape);
    }

    @Override
    public void attentionProbabilities(Tensor out, Tensor q, Tensor k, int queryRow, AttentionShape shape) {
        AttentionRow.probabilities(output(out), cpu(q), cpu(k), queryRow, shape);
    }

    @Override
    public void embed(Tensor out, Tensor table, int[] ids) {
        CpuTensor o = output(out);
        CpuTensor t = cpu(table);
        if (o.rows != ids.length || o.columns != t.columns) {
            throw new IllegalArgumentException("embed of " + ids.length + " ids from " + t + " into " + o);
        }
        float[] row = new float[t.columns];
        for (int r = 0; r < ids.length; r++) {
            if (ids[r] < 0 || ids[r] >= t.rows) {
                throw new IllegalArgumentException("token id " + ids[r] + " outside the table of " + t.rows);
            }
            t.readRow(ids[r], row);
            o.writeRow(r, row);
        }
    }

    @Override
    public int argmax(Tensor row) {
        CpuTensor t = cpu(row);
        if (t.rows != 1 || t.columns == 0) {
            throw new IllegalArgumentException("argmax of " + t + ", expected one non-empty row");
        }
        float[] values = new float[t.columns];
        t.readRow(0, values);
        int best = 0;
        for (int i = 1; i < values.length; i++) {
            if (values[i] > values[best]) {
                best = i;
            }
        }
        return best;
    }

    /** Up to {@link Gemv#MAX_ROWS} rows each row is its own GEMV; the blocked GEMM beyond sums in another order. */
    @Override
    public int rowIndependentMatmulRows() {
        return Gemv.MAX_ROWS;
    }

    /** The at-load quantization's whole value (scheme and targets, a record's text), or "" for none. */
    @Override
    public String weightsAtLoad() {
        return quantizeAtLoad == null ? "" : quantizeAtLoad.toString();
    }

    @Override
    public MemoryUse memoryUse() {
        return new MemoryUse(memory.heldBytes(), memory.peakBytes());
    }

    @Override
    public void close() {
        loop.close();
        memory.close();
        quantizedWeights.close();
    }

    // ---- helpers ------------------------------------------------------------------------------

    /** The weight as this engine holds it: quantized now when {@code --weights} asks for it. */
    private TensorData asPlaced(TensorData stored) {
        return quantizeAtLoad == null ? stored : quantizeAtLoad.apply(stored, quantizedWeights);
    }

    /** The cos/sin cache for this head size and base (one model uses one; a change replaces it). */
    private synchronized Rope ropeTable(int headDim, double theta) {
        if (rope == null || !rope.matches(headDim, theta)) {
            rope = new Rope(headDim, theta);
        }
        return rope;
    }

    private static CpuTensor cpu(Tensor tensor) {
        if (tensor instanceof CpuTensor cpu) {
            return cpu;
        }
        if (tensor instanceof StackedWeight) {
            throw new IllegalArgumentException("stacked weights can only be a matmul weight");
        }
        throw new IllegalArgumentException("not a CPU tensor: " + tensor);
    }

    /** A tensor the operation writes: it must be an F32 activation. */
    private static CpuTensor output(Tensor tensor) {
        CpuTensor t = cpu(tensor);
        if (!t.isF32()) {
            throw new IllegalArgumentException("cannot write into " + t + ": outputs are F32");
        }
        return t;
    }

    private static void sameShape(CpuTensor a, CpuTensor b, String op) {
        if (a.rows != b.rows || a.columns != b.columns) {
            throw new IllegalArgumentException(op + " shapes differ: " + a + " vs " + b);
        }
    }

    /** A one-row parameter (norm weight, bias) as floats; {@code count} values expected. */
    private float[] vector(Tensor tensor, int count, String what) {
        float[] values = download(tensor);
        if (values.length != count) {
            throw new IllegalArgumentException(what + " has " + values.length + " values, expected " + count);
        }
        return values;
    }
}
