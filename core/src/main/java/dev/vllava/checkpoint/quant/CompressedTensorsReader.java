package dev.vllava.checkpoint.quant;

import dev.vllava.VllavaException;
import dev.vllava.checkpoint.DType;
import dev.vllava.checkpoint.SafeTensorsFile.Entry;
import dev.vllava.checkpoint.TensorData;
import java.lang.foreign.Arena;
import java.lang.foreign.MemorySegment;
import java.lang.foreign.ValueLayout;
import java.util.Arrays;
import java.util.HashSet;
import java.util.LinkedHashMap;
import java.util.Map;
import java.util.Set;

/**
 * Turns the per-layer tensors of a compressed-tensors checkpoint into quantized weights under the
 * layer's usual name ({@code X.weight}), checking each against the config: {@code pack-quantized}
 * stores {@code X.weight_packed} (I32), {@code X.weight_scale} and {@code X.weight_shape} (the
 * unpacked [rows, columns]); {@code int-quantized} stores {@code X.weight} as I8 beside
 * {@code X.weight_scale}. The packed codes stay memory-mapped; int-quantized codes are re-packed
 * into the offset-binary form once (8 bits, so a copy of the same size).
 */
public final class CompressedTensorsReader {
    private static final String PACKED = ".weight_packed";
    private static final String SCALE = ".weight_scale";
    private static final String SHAPE = ".weight_shape";

    /** The quantized weights by logical name, and every entry they were made from. */
    public record Resolved(Map<String, TensorData> weights, Set<String> consumed) {}

    private CompressedTensorsReader() {}

    /** Every quantized layer of {@code entries}; a tensor that disagrees with the config is a checkpoint error naming it. */
    public static Resolved resolve(CompressedTensorsConfig config, Map<String, Entry> entries) {
        Map<String, TensorData> weights = new LinkedHashMap<>();
        Set<String> consumed = new HashSet<>();
        for (Entry entry : entries.values()) {
            String module = moduleOf(entry, config.format());
            if (module == null) {
                continue;
            }
            CompressedTensorsConfig.Group group = config.groupFor(module).orElseThrow(() -> VllavaException.checkpoint(
                    "tensor %s: no quantization_config.config_groups entry targets module %s", entry.name(), module));
            Entry scale = require(entries, module + SCALE, entry.name());
            TensorData weight = config.format().equals(CompressedTensorsConfig.PACK_QUANTIZED)
                    ? packed(module, entry, scale, require(entries, module + SHAPE, entry.name()), group)
                    : intQuantized(module, entry, scale, group);
            weights.put(weight.name(), weight);
            consumed.add(entry.name());
            consumed.add(scale.name());
            consumed.add(module + SHAPE);
        }
        return new Resolved(weights, consumed);
    }

    /** The layer a quantized entry belongs to, or null for an entry that is not one. */
    private static String moduleOf(Entry entry, String format) {
        String name = entry.name();
        if (format.equals(CompressedTensorsConfig.PACK_QUANTIZED)) {
            return name.endsWith(PACKED) ? name.substring(0, name.length() - PACKED.length()) : null;
        }
        return name.endsWith(".weight") && entry.dtype().equals("I8") ? name.substring(0, name.length() - ".weight".length()) : null;
    }

    private static TensorData packed(String module, Entry packed, Entry scale, Entry shape, CompressedTensorsConfig.Group group) {
        long[] logical = logicalShape(shape);
        long rows = logical[0];
        long columns = logical[1];
        if (!packed.dtype().equals("I32")) {
            throw bad(packed.name(), "dtype", "I32", packed.dtype());
        }
        long words = QuantizedLayout.rowBytes(columns, group.bits()) / 4;
        if (packed.shape().length != 2 || packed.shape()[0] != rows || packed.shape()[1] != words) {
            throw bad(packed.name(), "shape", Arrays.toString(new long[] {rows, words}) + " for weight_shape "
                    + Arrays.toString(logical) + " at " + group.bits() + " bits", Arrays.toString(packed.shape()));
        }
        QuantizedLayout layout = layout(module, scale, group, rows, columns);
        return new TensorData(module + ".weight", layout.scaleDtype(), logical, packed.data(), layout);
    }

    private static TensorData intQuantized(String module, Entry weight, Entry scale, CompressedTensorsConfig.Group group) {
        if (weight.shape().length != 2) {
            throw bad(weight.name(), "shape", "2 dimensions", Arrays.toString(weight.shape()));
        }
        long rows = weight.shape()[0];
        long columns = weight.shape()[1];
        QuantizedLayout layout = layout(module, scale, group, rows, columns);
        // Signed bytes to offset-binary: flipping the top bit adds 128 modulo 256.
        MemorySegment codes = Arena.ofAuto().allocate(layout.codeBytes(), 64);
        for (long row = 0; row < rows; row++) {
            for (long column = 0; column < columns; column++) {
                byte signed = weight.data().get(ValueLayout.JAVA_BYTE, row * columns + column);
                codes.set(ValueLayout.JAVA_BYTE, row * layout.rowBytes() + column, (byte) (signed ^ 0x80));
            }
        }
        return new TensorData(module + ".weight", layout.scaleDtype(), weight.shape().clone(), codes, layout);
    }

    private static QuantizedLayout layout(String module, Entry scale, CompressedTensorsConfig.Group group, long rows, long columns) {
        int groupSize = group.groupSizeFor(columns);
        if (columns % groupSize != 0) {
            throw VllavaException.checkpoint("tensor %s.weight: group_size %d (quantization_config.config_groups.%s) does not divide its %d input columns",
                    module, groupSize, group.name(), columns);
        }
        DType scaleType = DType.fromSafetensors(scale.dtype()).orElseThrow(() -> bad(scale.name(), "dtype", "F16, BF16 or F32", scale.dtype()));
        long[] expected = {rows, columns / groupSize};
        if (!Arrays.equals(scale.shape(), expected)) {
            throw bad(scale.name(), "shape", Arrays.toString(expected) + " (rows × columns / group_size " + groupSize + ")",
                    Arrays.toString(scale.shape()));
        }
        return new QuantizedLayout(group.bits(), groupSize, rows, columns, scaleType, scale.data());
    }

    /** {@code weight_shape}: two positive integers, stored as I64 (torch's default) or I32. */
    private static long[] logicalShape(Entry shape) {
        boolean i64 = shape.dtype().equals("I64");
        if (!(i64 || shape.dtype().equals("I32")) || shape.elementCount() != 2) {
            throw bad(shape.name(), "dtype/shape", "2 values of I64 or I32", shape.dtype() + Arrays.toString(shape.shape()));
        }
        long[] dims = new long[2];
        for (int i = 0; i < 2; i++) {
            dims[i] = i64 ? shape.data().getAtIndex(ValueLayout.JAVA_LONG_UNALIGNED, i)
                    : shape.data().getAtIndex(ValueLayout.JAVA_INT_UNALIGNED, i);
            if (dims[i] <= 0 || dims[i] > Integer.MAX_VALUE) {
                throw bad(shape.name(), "value", "positive dimensions", Arrays.toString(dims));
            }
        }
        return dims;
    }

    private static Entry require(Map<String, Entry> entries, String name, String owner) {
        Entry entry = entries.get(name);
        if (entry == null) {
            throw VllavaException.checkpoint("tensor %s has no companion %s", owner, name);
        }
        return entry;
    }

    private static VllavaException bad(String tensor, String field, String expected, String found) {
        return VllavaException.checkpoint("tensor %s: %s must be %s, found %s", tensor, field, expected, found);
    }
}
