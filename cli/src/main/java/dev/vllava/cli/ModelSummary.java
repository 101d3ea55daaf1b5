package dev.vllava.cli;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
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
        TokenizerSummary tokenizer) {

    /**
     * Token ids as the tokenizer files give them; {@code kind} is null when the folder has no
     * tokenizer (ids then come from generation_config.json / config.json, or stay unknown).
     */
    record TokenizerSummary(String kind, Integer vocabSize, Integer bosId, Integer eosId, Integer imageId, Integer videoId,
            Integer padId) {}

    static ModelSummary of(Checkpoint checkpoint, Path modelDir) {
        Map<String, Integer> dtypes = new TreeMap<>();
        Map<ModelPart, Long> parameters = new EnumMap<>(ModelPart.class);
        for (ModelPart part : ModelPart.values()) {
            parameters.put(part, 0L);
        }
        for (TensorData tensor : checkpoint.tensors()) {
            dtypes.merge(tensor.dtype().name(), 1, Integer::sum);
            parameters.merge(ModelPart.of(tensor.name()), tensor.elementCount(), Long::sum);
        }
        return new ModelSummary(modelDir, checkpoint.config(), checkpoint.files(), checkpoint.bytesOnDisk(), dtypes,
                parameters, tokenizer(modelDir, checkpoint.config()));
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
            return com.fasterxml.jackson.databind.node.MissingNode.getInstance();
        }
        try {
            return new ObjectMapper().readTree(file.toFile());
        } catch (IOException e) {
            throw VllavaException.checkpoint("%s: not valid JSON", file);
        }
    }
}
