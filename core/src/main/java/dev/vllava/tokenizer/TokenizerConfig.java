package dev.vllava.tokenizer;

import com.fasterxml.jackson.core.JacksonException;
import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import dev.vllava.Failure;
import dev.vllava.VllavaException;
import dev.vllava.io.BoundedInput;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Collections;
import java.util.LinkedHashSet;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.TreeMap;

/**
 * What {@code tokenizer_config.json}, {@code special_tokens_map.json} and {@code added_tokens.json} say, with
 * transformers' {@code LlamaTokenizer} defaults for absent keys (all three files are optional).
 *
 * @param addBosToken       {@code add_bos_token} (default true)
 * @param addEosToken       {@code add_eos_token} (default false)
 * @param legacy            {@code legacy} (default true, as transformers when the key is absent or null)
 * @param addPrefixSpace    {@code add_prefix_space} (default true; used by the tokenizer.model path)
 * @param cleanUpSpaces     {@code clean_up_tokenization_spaces} (default false for Llama)
 * @param bosToken          content of {@code bos_token} (default {@code <s>})
 * @param eosToken          content of {@code eos_token} (default {@code </s>})
 * @param unkToken          content of {@code unk_token} (default {@code <unk>})
 * @param padToken          content of {@code pad_token}, or null
 * @param additionalSpecial contents of {@code additional_special_tokens}
 * @param addedTokens       {@code added_tokens_decoder} and {@code added_tokens.json}, by id (ascending)
 */
public record TokenizerConfig(
        boolean addBosToken,
        boolean addEosToken,
        boolean legacy,
        boolean addPrefixSpace,
        boolean cleanUpSpaces,
        String bosToken,
        String eosToken,
        String unkToken,
        String padToken,
        List<String> additionalSpecial,
        Map<Integer, AddedToken> addedTokens) {

    static final ObjectMapper JSON = new ObjectMapper();

    /** The named special tokens (bos, eos, unk, pad and the additional ones), transformers' {@code all_special_tokens}. */
    public Set<String> namedSpecialTokens() {
        Set<String> named = new LinkedHashSet<>();
        named.add(bosToken);
        named.add(eosToken);
        named.add(unkToken);
        if (padToken != null) {
            named.add(padToken);
        }
        named.addAll(additionalSpecial);
        return named;
    }

    static TokenizerConfig load(Path dir) {
        JsonNode config = readOptional(dir.resolve("tokenizer_config.json"));
        JsonNode specialMap = readOptional(dir.resolve("special_tokens_map.json"));
        JsonNode addedJson = readOptional(dir.resolve("added_tokens.json"));

        Map<Integer, AddedToken> added = new TreeMap<>();
        JsonNode decoder = config == null ? null : config.get("added_tokens_decoder");
        if (decoder != null && decoder.isObject()) {
            for (Map.Entry<String, JsonNode> entry : decoder.properties()) {
                int id = parseId(entry.getKey(), "tokenizer_config.json: added_tokens_decoder");
                JsonNode token = entry.getValue();
                String content = token.path("content").asText(null);
                if (content == null) {
                    throw VllavaException.checkpoint(
                            "%s: added_tokens_decoder entry %d has no content", dir.resolve("tokenizer_config.json"), id);
                }
                added.put(id, new AddedToken(id, content, token.path("special").asBoolean(false),
                        token.path("lstrip").asBoolean(false), token.path("rstrip").asBoolean(false),
                        token.path("single_word").asBoolean(false)));
            }
        }
        List<String> additional = new ArrayList<>(tokenList(config, "additional_special_tokens"));
        if (additional.isEmpty()) {
            additional.addAll(tokenList(specialMap, "additional_special_tokens"));
        }
        if (addedJson != null && addedJson.isObject()) {
            for (Map.Entry<String, JsonNode> entry : addedJson.properties()) {
                if (!entry.getValue().canConvertToInt()) {
                    throw VllavaException.checkpoint("%s: the id of %s is not an integer",
                            dir.resolve("added_tokens.json"), entry.getKey());
                }
                int id = entry.getValue().intValue();
                added.putIfAbsent(id, new AddedToken(id, entry.getKey(), additional.contains(entry.getKey()),
                        false, false, false));
            }
        }
        String bos = token(config, specialMap, "bos_token", "<s>");
        String eos = token(config, specialMap, "eos_token", "</s>");
        String unk = token(config, specialMap, "unk_token", "<unk>");
        String pad = token(config, specialMap, "pad_token", null);
        return new TokenizerConfig(
                bool(config, "add_bos_token", true),
                bool(config, "add_eos_token", false),
                bool(config, "legacy", true),
                bool(config, "add_prefix_space", true),
                bool(config, "clean_up_tokenization_spaces", false),
                bos, eos, unk, pad, List.copyOf(additional), Collections.unmodifiableMap(added));
    }

    private static int parseId(String key, String where) {
        try {
            return Integer.parseInt(key);
        } catch (NumberFormatException e) {
            throw VllavaException.checkpoint("%s: key %s is not a token id", where, key);
        }
    }

    private static boolean bool(JsonNode node, String key, boolean fallback) {
        JsonNode value = node == null ? null : node.get(key);
        return value == null || value.isNull() ? fallback : value.asBoolean(fallback);
    }

    /** A special token may be written as a string or as an AddedToken object with a "content". */
    private static String token(JsonNode config, JsonNode specialMap, String key, String fallback) {
        for (JsonNode node : new JsonNode[] {config, specialMap}) {
            JsonNode value = node == null ? null : node.get(key);
            if (value != null && value.isTextual()) {
                return value.asText();
            }
            if (value != null && value.isObject() && value.path("content").isTextual()) {
                return value.path("content").asText();
            }
        }
        return fallback;
    }

    private static List<String> tokenList(JsonNode node, String key) {
        JsonNode value = node == null ? null : node.get(key);
        List<String> tokens = new ArrayList<>();
        if (value != null && value.isArray()) {
            for (JsonNode item : value) {
                if (item.isTextual()) {
                    tokens.add(item.asText());
                } else if (item.isObject() && item.path("content").isTextual()) {
                    tokens.add(item.path("content").asText());
                }
            }
        }
        return tokens;
    }

    /** tokenizer.json of a 256k vocabulary is about 20 MB; far more is not a tokenizer file. */
    private static final BoundedInput JSON_FILE = new BoundedInput(Failure.CHECKPOINT, "tokenizer JSON file", 128 * BoundedInput.MIB);

    static JsonNode readJson(Path file) {
        try {
            JsonNode node = JSON.readTree(JSON_FILE.readFile(file));
            if (node == null || !node.isObject()) {
                throw VllavaException.checkpoint("%s: not a JSON object", file);
            }
            return node;
        } catch (JacksonException e) {
            throw VllavaException.checkpoint("%s: not valid JSON (%s)", file,
                    e.getOriginalMessage().lines().findFirst().orElse("parse error"));
        } catch (IOException e) {
            throw VllavaException.checkpoint("%s: cannot read (%s)", file, e.getMessage());
        }
    }

    private static JsonNode readOptional(Path file) {
        return Files.isRegularFile(file) ? readJson(file) : null;
    }
}
