package dev.vllava.checkpoint.quant;

import dev.vllava.checkpoint.TensorData;
import java.lang.foreign.MemorySegment;
import java.util.stream.IntStream;

/**
 * How far a weight moves when quantized and dequantized ({@code vllava info --stats}): the RMS of the
 * error relative to the RMS of the weight, and the largest absolute error. Computed a row at a time
 * (rows in parallel), so a 7B checkpoint needs no memory beyond its mapping.
 *
 * @param relativeRms {@code sqrt(Σ(w - w')² / Σ w²)}
 * @param maxAbs      {@code max |w - w'|}
 */
public record RoundTripError(String tensor, double relativeRms, double maxAbs) {

    public static RoundTripError measure(TensorData weight, QuantScheme scheme) {
        int columns = Math.toIntExact(weight.columns());
        double[][] sums = IntStream.range(0, Math.toIntExact(weight.rows())).parallel().mapToObj(row -> {
            float[] values = new float[columns];
            float[] restored = new float[columns];
            Quantizer.readRow(weight, row, values);
            MemorySegment scales = MemorySegment.ofArray(new byte[columns / scheme.groupSize() * weight.dtype().byteSize()]);
            QuantizedLayout layout = new QuantizedLayout(scheme.bits(), scheme.groupSize(), 1, columns, weight.dtype(), scales);
            MemorySegment codes = MemorySegment.ofArray(new byte[(int) layout.rowBytes()]);
            Quantizer.quantizeRow(values, layout, 0, codes);
            layout.dequantizeRow(codes, 0, restored);
            double error = 0;
            double signal = 0;
            double max = 0;
            for (int c = 0; c < columns; c++) {
                double d = values[c] - restored[c];
                error += d * d;
                signal += (double) values[c] * values[c];
                max = Math.max(max, Math.abs(d));
            }
            return new double[] {error, signal, max};
        }).toArray(double[][]::new);
        double error = 0;
        double signal = 0;
        double max = 0;
        for (double[] s : sums) {
            error += s[0];
            signal += s[1];
            max = Math.max(max, s[2]);
        }
        return new RoundTripError(weight.name(), signal == 0 ? 0 : Math.sqrt(error / signal), max);
    }
}
