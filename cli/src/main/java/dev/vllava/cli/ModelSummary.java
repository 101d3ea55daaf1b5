package dev.vllava.cli;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.node.MissingNode;
import dev.vllava.VllavaException;
import dev.vllava.checkpoint.Checkpoint;
import dev.vllava.checkpoint.ModelPart;
import dev.vllava.checkpoint.TensorData;
import dev.vllava.config.VideoLlavaConfig;
import dev.vllava.tokenizer.Tokenizer;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.EnumMap;
import java.util.List;
import java.util.Map;
import java.util.OptionalInt;
import java.util.TreeMap;

/**
 * What {@code vllava info} reports about a checkpoint folder, gathered once and rendered either as
 * a table or as JSON. Everything comes from the files: config.json, the safetensors headers, the
 * tokenizer files; nothing is assumed about the 7B shape.
 */
record ModelSummary(
        Path modelDir,
        VideoLlavaConfig config,
        List<Path> files,
        long bytesOnDisk,
        Map<String, Integer> tensorsPerDtype,
        Map<ModelPart, Long> parameters,
        Map<ModelPart, PartWeights> weights,
        TokenizerSummary tokenizer) {

    /**
     * How a part's weights are stored: the formats of its tensors ("F16", "int4 g32") and the stored
     * bits per weight, scales included.
     */
    record PartWeights(java.util.SortedSet<String> formats, long storedBits, long parameters) {
        double bitsPerWeight() {
            return parameters == 0 ? 0 : (double) storedBits / parameters;
        }

        PartWeights plus(TensorData tensor) {
            java.util.SortedSet<String> all = new java.util.TreeSet<>(formats);
            all.add(format(tensor));
            long bits = tensor.isQuantized()
                    ? 8 * (tensor.quantized().codeBytes() + tensor.quantized().rows() * tensor.quantized().groupsPerRow()
                            * tensor.quantized().scaleDtype().byteSize())
                    : 8L * tensor.dtype().byteSize() * tensor.elementCount();
            return new PartWeights(all, storedBits + bits, parameters + tensor.elementCount());
        }

        static final PartWeights NONE = new PartWeights(new java.util.TreeSet<>(), 0, 0);
    }

    /** A tensor's stored format: its dtype, or e.g. "int4 g32" for a quantized one. */
    static String format(TensorData tensor) {
        return tensor.isQuantized() ? tensor.quantized().formatName() : tensor.dtype().name();
    }

    /**
     * Token ids as the tokenizer files give them; {@code kind} is null when the folder has no
     * tokenizer (ids then come from generation_config.json / config.json, or stay unknown).
     */
    record TokenizerSummary(String kind, Integer vocabSize, Integer bosId, Integer eosId, Integer imageId, Integer videoId,
            Integer padId) {}

    static ModelSummary of(Checkpoint checkpoint, Path modelDir) {
        Map<String, Integer> dtypes = new TreeMap<>();
        Map<ModelPart, Long> parameters = new EnumMap<>(ModelPart.class);
        Map<ModelPart, PartWeights> weights = new EnumMap<>(ModelPart.class);
        for (ModelPart part : ModelPart.values()) {
            parameters.put(part, 0L);
            weights.put(part, PartWeights.NONE);
        }
        for (TensorData tensor : checkpoint.tensors()) {
            dtypes.merge(format(tensor), 1, Integer::sum);
            parameters.merge(ModelPart.of(tensor.name()), tensor.elementCount(), Long::sum);
            weights.computeIfPresent(ModelPart.of(tensor.name()), (part, sum) -> sum.plus(tensor));
        }
        return new ModelSummary(modelDir, checkpoint.config(), checkpoint.files(), checkpoint.bytesOnDisk(), dtypes,
                parameters, weights, tokenizer(modelDir, checkpoint.config()));
    }

    long totalParameters() {
        return parameters.values().stream().mapToLong(Long::longValue).sum();
    }

    private static TokenizerSummary tokenizer(Path modelDir, VideoLlavaConfig config) {
        if (!Files.isRegularFile(modelDir.resolve("tokenizer.json")) && !Files.isRegularFile(modelDir.resolve("tokenizer.model"))) {
            JsonNode generation = readJson(modelDir.resolve("generation_config.json"));
            JsonNode text = readJson(modelDir.resolve("config.json")).path("text_config");
            // Absent everywhere, BOS/EOS are LlamaConfig's defaults (1, 2), as transformers would take them.
            return new TokenizerSummary(null, null, id(generation, text, "bos_token_id", 1), id(generation, text, "eos_token_id", 2),
                    config.imageTokenIndex(), config.videoTokenIndex(), config.padTokenId() < 0 ? null : config.padTokenId());
        }
        Tokenizer tokenizer = Tokenizer.load(modelDir);
        return new TokenizerSummary(tokenizer.kind(), tokenizer.vocabSize(), tokenizer.bosId(), tokenizer.eosId(),
                boxed(tokenizer.tokenId("<image>")), boxed(tokenizer.tokenId("<video>")), boxed(tokenizer.tokenId("<pad>")));
    }

    private static Integer id(JsonNode first, JsonNode second, String key, int fallback) {
        for (JsonNode node : new JsonNode[] {first, second}) {
            if (node.path(key).isInt()) {
                return node.path(key).intValue();
            }
        }
        return fallback;
    }

    private static Integer boxed(OptionalInt id) {
        return id.isPresent() ? id.getAsInt() : null;
    }

    /** The file's JSON, or a missing node when it is absent (both files are optional here; config.json was read already). */
    private static JsonNode readJson(Path file) {
        if (!Files.isRegularFile(file)) {
            return MissingNode.getInstance();
        }
        try {
            return new ObjectMapper().readTree(file.toFile());
        } catch (IOException e) {
            throw VllavaException.checkpoint("%s: not valid JSON", file);
        }
    }
}
