package dev.vllava.cuda;

import dev.vllava.checkpoint.TensorData;
import dev.vllava.checkpoint.quant.QuantizedLayout;
import dev.vllava.VllavaException;
import java.lang.foreign.MemorySegment;
import java.util.List;
import java.util.function.LongUnaryOperator;

/**
 * Launches the quantized-weight kernels ({@code quantized.cu}) for a weight held on the device as its
 * packed codes and scales ({@link DeviceWeight}): the dequantizing GEMV for decode, and dequantization
 * of row tiles into dense F16 for prefill, where cuBLAS then multiplies the tile (the CUDA engine's
 * F16 path). The CPU engine's {@code QuantizedMatmul} is the reference the GPU tests compare with.
 */
final class QuantizedCuda {

    private QuantizedCuda() {}

    /** A quantized weight on the device: codes ({@code rows × rowBytes}) and scales, freed by {@link #free}. */
    record DeviceWeight(QuantizedLayout layout, long codes, long scales) {
        static DeviceWeight upload(CudaDevice gpu, TensorData weight) {
            QuantizedLayout layout = weight.quantized();
            if (layout == null) {
                throw new IllegalArgumentException("not a quantized weight: " + weight);
            }
            long codes = gpu.allocate(layout.codeBytes());
            gpu.upload(codes, weight.data().asSlice(0, layout.codeBytes()));
            long scales = gpu.allocate(scaleBytes(layout));
            gpu.upload(scales, layout.scales().asSlice(0, scaleBytes(layout)));
            return new DeviceWeight(layout, codes, scales);
        }

        /**
         * Quantized parts stacked along rows (q/k/v, gate/up) into one device weight: their codes one
         * after another, their scales likewise, allocated by {@code allocate} (bytes → device address).
         */
        static DeviceWeight uploadStacked(CudaDevice gpu, List<TensorData> parts, LongUnaryOperator allocate) {
            QuantizedLayout layout = stackedLayout(parts);
            long codes = allocate.applyAsLong(layout.codeBytes());
            long scales = allocate.applyAsLong(scaleBytes(layout));
            long codeOffset = 0;
            long scaleOffset = 0;
            for (TensorData part : parts) {
                QuantizedLayout own = part.quantized();
                gpu.upload(codes + codeOffset, part.data().asSlice(0, own.codeBytes()));
                gpu.upload(scales + scaleOffset, own.scales().asSlice(0, scaleBytes(own)));
                codeOffset += own.codeBytes();
                scaleOffset += scaleBytes(own);
            }
            return new DeviceWeight(layout, codes, scales);
        }

        void free(CudaDevice gpu) {
            gpu.free(codes);
            gpu.free(scales);
        }
    }

    /**
     * The layout of {@code parts} stacked along rows (its scales live on the device: the host segment
     * is empty). Every part must be quantized alike (bits, group, columns, scale dtype) in a layout the
     * kernels take; else a checkpoint error naming the part.
     */
    static QuantizedLayout stackedLayout(List<TensorData> parts) {
        TensorData first = parts.getFirst();
        long rows = 0;
        for (TensorData part : parts) {
            if (!part.isQuantized()) {
                throw VllavaException.checkpoint("cannot stack %s with the quantized %s on the GPU: it is not quantized", part, first);
            }
            QuantizedLayout own = part.quantized();
            QuantizedLayout lead = first.quantized();
            if (own.bits() != lead.bits() || own.groupSize() != lead.groupSize() || own.columns() != lead.columns()
                    || own.scaleDtype() != lead.scaleDtype()) {
                throw VllavaException.checkpoint("cannot stack %s (%s, %d columns, %s scales) with %s (%s, %d columns, %s scales)",
                        part.name(), own.formatName(), own.columns(), own.scaleDtype(), first.name(), lead.formatName(), lead.columns(),
                        lead.scaleDtype());
            }
            if (!applies(own)) {
                throw VllavaException.checkpoint("%s: the CUDA kernels need columns and group size multiples of 8, got %s over %d columns",
                        part.name(), own.formatName(), own.columns());
            }
            rows += own.rows();
        }
        QuantizedLayout lead = first.quantized();
        return new QuantizedLayout(lead.bits(), lead.groupSize(), rows, lead.columns(), lead.scaleDtype(), MemorySegment.NULL);
    }

    private static long scaleBytes(QuantizedLayout layout) {
        return layout.rows() * layout.groupsPerRow() * layout.scaleDtype().byteSize();
    }

    /** Whether the kernels take this layout: whole 8-code loads within a group, aligned rows. */
    static boolean applies(QuantizedLayout layout) {
        return layout.columns() % 8 == 0 && layout.groupSize() % 8 == 0 && layout.rowBytes() % 8 == 0
                && layout.rows() <= Integer.MAX_VALUE && layout.columns() <= Integer.MAX_VALUE;
    }

    /** {@code out[b, o] = x[b]·w[o]} for 1..8 rows of x (F32, rows float4-aligned). */
    static void gemv(CudaDevice gpu, long out, int outStride, long x, int xStride, int batch, DeviceWeight w) {
        QuantizedLayout layout = w.layout();
        requireApplies(layout);
        if (batch < 1 || batch > Launch.GEMV_MAX_BATCH || xStride % 4 != 0 || x % 16 != 0) {
            throw new IllegalArgumentException("quantized GEMV takes 1.." + Launch.GEMV_MAX_BATCH + " float4-aligned rows, got "
                    + batch + " with stride " + xStride);
        }
        Kernel kernel = layout.bits() == 8 ? Kernel.GEMV_Q8 : Kernel.GEMV_Q4;
        int rows = (int) layout.rows();
        gpu.launch(gpu.function(kernel, layout.scaleDtype()), Launch.gemv(rows), out, outStride, x, xStride, w.codes(),
                layout.rowBytes(), w.scales(), layout.groupSize(), batch, rows, (int) layout.columns());
    }

    /** Rows {@code [firstRow, firstRow + rows)} of the weight into a dense F16 tile {@code [rows, columns]}. */
    static void dequantizeToF16(CudaDevice gpu, long tile, DeviceWeight w, int firstRow, int rows) {
        QuantizedLayout layout = w.layout();
        requireApplies(layout);
        if (firstRow < 0 || rows < 1 || firstRow + (long) rows > layout.rows()) {
            throw new IllegalArgumentException("rows [" + firstRow + ", " + (firstRow + rows) + ") outside " + layout.rows());
        }
        Kernel kernel = layout.bits() == 8 ? Kernel.DEQUANTIZE_Q8_TO_F16 : Kernel.DEQUANTIZE_Q4_TO_F16;
        gpu.launch(gpu.function(kernel, layout.scaleDtype()), Launch.linear((long) rows * layout.columns() / 8), tile,
                w.codes(), layout.rowBytes(), w.scales(), layout.groupSize(), firstRow, rows, (int) layout.columns());
    }

    private static void requireApplies(QuantizedLayout layout) {
        if (!applies(layout)) {
            throw new IllegalArgumentException("quantized kernels need columns and group multiples of 8, got " + layout.formatName()
                    + " over " + layout.columns() + " columns");
        }
    }
}
