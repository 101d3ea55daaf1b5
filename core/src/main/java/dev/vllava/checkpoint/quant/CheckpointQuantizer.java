package dev.vllava.checkpoint.quant;

import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.node.ObjectNode;
import dev.vllava.VllavaException;
import dev.vllava.checkpoint.Checkpoint;
import dev.vllava.checkpoint.TensorData;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.lang.foreign.MemorySegment;
import java.nio.ByteBuffer;
import java.nio.ByteOrder;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardCopyOption;
import java.util.ArrayList;
import java.util.List;
import java.util.function.LongConsumer;
import java.util.stream.Stream;

/**
 * {@code vllava quantize}: a checkpoint rewritten in compressed-tensors {@code pack-quantized}
 * form, tensor by tensor. Each target layer becomes {@code X.weight_packed} (I32), {@code
 * X.weight_scale} (the weight's dtype) and {@code X.weight_shape} (I64); every other tensor is
 * copied as stored. Memory stays bounded: the source is memory-mapped, codes are written a chunk of
 * rows at a time, and only one tensor's scales are held.
 */
public final class CheckpointQuantizer {
    private static final long CHUNK_BYTES = 8 << 20;
    private static final String WEIGHTS_FILE = "model.safetensors";

    private CheckpointQuantizer() {}

    /**
     * Writes the quantized checkpoint into {@code outDir} (created; must not hold a checkpoint) and
     * the source's other files (tokenizer, processor and generation configs) beside it.
     *
     * @param progress told the number of source bytes done after each tensor
     * @return the source bytes read
     */
    public static long quantize(Path modelDir, Path outDir, QuantScheme scheme, QuantTargets targets, LongConsumer progress) {
        try (Checkpoint source = Checkpoint.open(modelDir)) {
            if (source.tensors().stream().anyMatch(TensorData::isQuantized)) {
                throw VllavaException.usage("%s is already quantized", modelDir);
            }
            prepare(modelDir, outDir);
            List<SafeTensorsStream.Declared> declared = new ArrayList<>();
            for (TensorData tensor : source.tensors()) {
                declare(tensor, scheme, targets, declared);
            }
            try (SafeTensorsStream out = new SafeTensorsStream(outDir.resolve(WEIGHTS_FILE), declared)) {
                for (TensorData tensor : source.tensors()) {
                    if (quantizes(tensor, scheme, targets)) {
                        writeQuantized(tensor, scheme, out);
                    } else {
                        out.write(tensor.data().asByteBuffer().order(ByteOrder.LITTLE_ENDIAN));
                    }
                    progress.accept(tensor.data().byteSize());
                }
            }
            writeConfig(modelDir, outDir, scheme, targets);
            return source.tensors().stream().mapToLong(t -> t.data().byteSize()).sum();
        }
    }

    /** Total source bytes, for a progress bar's length. */
    public static long sourceBytes(Path modelDir) {
        try (Checkpoint source = Checkpoint.open(modelDir)) {
            return source.tensors().stream().mapToLong(t -> t.data().byteSize()).sum();
        }
    }

    private static boolean quantizes(TensorData tensor, QuantScheme scheme, QuantTargets targets) {
        return targets.quantizes(tensor.name()) && tensor.shape().length == 2 && tensor.columns() % scheme.groupSize() == 0;
    }

    private static void declare(TensorData tensor, QuantScheme scheme, QuantTargets targets,
                                List<SafeTensorsStream.Declared> declared) {
        if (!quantizes(tensor, scheme, targets)) {
            if (targets.quantizes(tensor.name())) {
                throw VllavaException.usage("--group %d does not divide the %d input columns of %s", scheme.groupSize(),
                        tensor.columns(), tensor.name());
            }
            declared.add(new SafeTensorsStream.Declared(tensor.name(), tensor.dtype().name(), tensor.shape(), tensor.data().byteSize()));
            return;
        }
        String module = tensor.name().substring(0, tensor.name().length() - ".weight".length());
        long rows = tensor.rows();
        long rowBytes = QuantizedLayout.rowBytes(tensor.columns(), scheme.bits());
        long groups = tensor.columns() / scheme.groupSize();
        declared.add(new SafeTensorsStream.Declared(module + ".weight_packed", "I32", new long[] {rows, rowBytes / 4}, rows * rowBytes));
        declared.add(new SafeTensorsStream.Declared(module + ".weight_scale", tensor.dtype().name(), new long[] {rows, groups},
                rows * groups * tensor.dtype().byteSize()));
        declared.add(new SafeTensorsStream.Declared(module + ".weight_shape", "I64", new long[] {2}, 16));
    }

    /** Codes a chunk of rows at a time, then the scales, then the shape (the order {@link #declare} gave). */
    private static void writeQuantized(TensorData tensor, QuantScheme scheme, SafeTensorsStream out) {
        long rows = tensor.rows();
        long columns = tensor.columns();
        MemorySegment scales = MemorySegment.ofArray(new byte[Math.toIntExact(rows * (columns / scheme.groupSize()) * tensor.dtype().byteSize())]);
        QuantizedLayout layout = new QuantizedLayout(scheme.bits(), scheme.groupSize(), rows, columns, tensor.dtype(), scales);
        int chunkRows = (int) Math.max(1, CHUNK_BYTES / layout.rowBytes());
        byte[] chunk = new byte[Math.toIntExact(chunkRows * layout.rowBytes())];
        float[] values = new float[(int) columns];
        for (long first = 0; first < rows; first += chunkRows) {
            int count = (int) Math.min(chunkRows, rows - first);
            MemorySegment codes = MemorySegment.ofArray(chunk);
            codes.fill((byte) 0);
            for (int r = 0; r < count; r++) {
                Quantizer.readRow(tensor, first + r, values);
                Quantizer.quantizeRow(values, layout, first + r, codes.asSlice(r * layout.rowBytes(), layout.rowBytes()));
            }
            out.write(ByteBuffer.wrap(chunk, 0, Math.toIntExact(count * layout.rowBytes())));
        }
        out.write(scales.asByteBuffer());
        out.write(ByteBuffer.allocate(16).order(ByteOrder.LITTLE_ENDIAN).putLong(rows).putLong(columns).flip());
    }

    private static void prepare(Path modelDir, Path outDir) {
        try {
            if (Files.exists(outDir) && Files.isSameFile(modelDir, outDir)) {
                throw VllavaException.usage("--out must be another folder than --model");
            }
            if (Files.exists(outDir.resolve(WEIGHTS_FILE)) || Files.exists(outDir.resolve("model.safetensors.index.json"))) {
                throw VllavaException.usage("%s already holds a checkpoint; give an empty or new --out folder", outDir);
            }
            Files.createDirectories(outDir);
            try (Stream<Path> files = Files.list(modelDir)) {
                for (Path file : files.filter(Files::isRegularFile).toList()) {
                    String name = file.getFileName().toString();
                    if (!name.endsWith(".safetensors") && !name.equals("model.safetensors.index.json") && !name.equals("config.json")) {
                        Files.copy(file, outDir.resolve(name), StandardCopyOption.REPLACE_EXISTING);
                    }
                }
            }
        } catch (IOException e) {
            throw VllavaException.usage("cannot write %s: %s", outDir, e.getMessage());
        }
    }

    /** config.json with the quantization_config that describes what was written. */
    private static void writeConfig(Path modelDir, Path outDir, QuantScheme scheme, QuantTargets targets) {
        ObjectMapper json = new ObjectMapper();
        try {
            ObjectNode config = (ObjectNode) json.readTree(Files.readString(modelDir.resolve("config.json")));
            config.set("quantization_config", CompressedTensorsConfig.toJson(scheme, List.copyOf(targets.ignoredModules())));
            Files.writeString(outDir.resolve("config.json"), json.writerWithDefaultPrettyPrinter().writeValueAsString(config));
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
    }
}
