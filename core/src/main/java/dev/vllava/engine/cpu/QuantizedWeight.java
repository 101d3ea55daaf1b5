package dev.vllava.engine.cpu;

import dev.vllava.checkpoint.DType;
import dev.vllava.checkpoint.TensorData;
import dev.vllava.checkpoint.quant.QuantizedLayout;
import dev.vllava.engine.Tensor;
import java.util.List;

/**
 * A quantized matmul weight on the CPU engine: one or more parts stacked along rows (q/k/v,
 * gate/up), each its packed codes (memory-mapped or quantized at load) and its layout. It can only
 * be the weight of a matmul; {@link QuantizedMatmul} computes with it.
 */
final class QuantizedWeight implements Tensor {

    /** One stacked part: {@code layout.rows()} output rows. */
    record Part(TensorData data, QuantizedLayout layout) {
        int rows() {
            return (int) layout.rows();
        }
    }

    final List<Part> parts;
    private final int rows;
    private final int columns;

    private QuantizedWeight(List<Part> parts) {
        this.parts = List.copyOf(parts);
        this.columns = Math.toIntExact(parts.getFirst().layout().columns());
        int total = 0;
        for (Part part : parts) {
            if (part.layout().columns() != columns) {
                throw new IllegalArgumentException("stacked quantized weights differ in columns: " + part.data() + " vs "
                        + parts.getFirst().data());
            }
            total += part.rows();
        }
        this.rows = total;
    }

    /** Quantized tensors stacked in order; every one must be quantized. */
    static QuantizedWeight of(List<TensorData> data) {
        return new QuantizedWeight(data.stream().map(d -> {
            if (!d.isQuantized() || d.quantized().rows() > Integer.MAX_VALUE || d.quantized().columns() > Integer.MAX_VALUE) {
                throw new IllegalArgumentException("not a quantized 2-D weight: " + d);
            }
            if (d.data().byteSize() < d.quantized().codeBytes()) {
                throw new IllegalArgumentException("weight " + d + " has " + d.data().byteSize() + " bytes of codes, expected "
                        + d.quantized().codeBytes());
            }
            return new Part(d, d.quantized());
        }).toList());
    }

    @Override
    public int rows() {
        return rows;
    }

    @Override
    public int columns() {
        return columns;
    }

    @Override
    public int rowStride() {
        return columns;
    }

    /** The dtype the weight dequantizes to (its scales'). */
    @Override
    public DType dtype() {
        return parts.getFirst().layout().scaleDtype();
    }

    @Override
    public Tensor rowSlice(int first, int count) {
        throw new UnsupportedOperationException("row slice of a quantized weight");
    }

    @Override
    public Tensor columnSlice(int first, int count) {
        throw new UnsupportedOperationException("column slice of a quantized weight");
    }

    @Override
    public void close() {}

    @Override
    public String toString() {
        return "QuantizedWeight[" + rows + "x" + columns + " " + parts.getFirst().layout().formatName() + "]";
    }
}
