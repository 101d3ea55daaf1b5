package dev.vllava.generate;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import dev.vllava.Failure;
import dev.vllava.VllavaException;
import dev.vllava.io.BoundedInput;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.LinkedHashSet;
import java.util.OptionalInt;
import java.util.Set;

/** The checkpoint's {@code generation_config.json}: end-of-sequence ids (one id or a list) and a default token limit. */
public record GenerationConfig(Set<Integer> eosTokenIds, OptionalInt maxNewTokens) {

    public static final GenerationConfig ABSENT = new GenerationConfig(Set.of(), OptionalInt.empty());

    /** The file's values, or {@link #ABSENT} when the folder has none. */
    public static GenerationConfig load(Path modelDir) {
        Path file = modelDir.resolve("generation_config.json");
        if (!Files.isRegularFile(file)) {
            return ABSENT;
        }
        JsonNode root;
        try {
            root = new ObjectMapper().readTree(new BoundedInput(Failure.CHECKPOINT, "generation config", BoundedInput.MIB).readFile(file));
        } catch (IOException e) {
            throw VllavaException.checkpoint("%s: unreadable: %s", file, e.getMessage().lines().findFirst().orElse(""));
        }
        if (root == null || !root.isObject()) {
            throw VllavaException.checkpoint("%s: not a JSON object", file);
        }
        Set<Integer> eos = new LinkedHashSet<>();
        JsonNode eosNode = root.get("eos_token_id");
        if (eosNode != null && eosNode.isIntegralNumber()) {
            eos.add(eosNode.intValue());
        } else if (eosNode != null && eosNode.isArray()) {
            for (JsonNode id : eosNode) {
                if (!id.isIntegralNumber()) {
                    throw VllavaException.checkpoint("%s: eos_token_id holds %s, not a token id", file, id);
                }
                eos.add(id.intValue());
            }
        } else if (eosNode != null && !eosNode.isNull()) {
            throw VllavaException.checkpoint("%s: eos_token_id must be an id or a list of ids, found %s", file, eosNode);
        }
        JsonNode max = root.get("max_new_tokens");
        OptionalInt maxNewTokens = max != null && max.isIntegralNumber() ? OptionalInt.of(max.intValue()) : OptionalInt.empty();
        return new GenerationConfig(Set.copyOf(eos), maxNewTokens);
    }
}
