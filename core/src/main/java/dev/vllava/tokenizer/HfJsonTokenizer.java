package dev.vllava.tokenizer;

import ai.djl.huggingface.tokenizers.Encoding;
import ai.djl.huggingface.tokenizers.HuggingFaceTokenizer;
import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.node.ArrayNode;
import com.fasterxml.jackson.databind.node.ObjectNode;
import dev.vllava.VllavaException;
import java.io.ByteArrayInputStream;
import java.io.IOException;
import java.nio.file.Path;
import java.util.HashMap;
import java.util.HashSet;
import java.util.Map;
import java.util.OptionalInt;
import java.util.Set;

/**
 * A {@code tokenizer.json} checkpoint, run by the Hugging Face {@code tokenizers} Rust library (through DJL, offline)
 * exactly as transformers' {@code LlamaTokenizerFast}: the file's normalizer, pre-tokenizer, BPE model with byte
 * fallback, added tokens and decoder decide everything, except that, like {@code LlamaTokenizerFast}, the
 * post-processor (BOS / EOS insertion) is rebuilt from {@code add_bos_token} / {@code add_eos_token} of
 * tokenizer_config.json, and added tokens listed only in tokenizer_config.json / added_tokens.json are added.
 * The native tokenizer is thread-safe (Rust {@code Sync}); this class is immutable.
 */
final class HfJsonTokenizer implements Tokenizer {
    private final HuggingFaceTokenizer native_;
    private final TokenizerConfig config;
    private final String[] pieces;
    private final Map<String, Integer> ids;
    private final Set<Integer> addedIds = new HashSet<>();
    private final boolean[] bytePiece;
    private final int bosId;
    private final int eosId;

    private HfJsonTokenizer(HuggingFaceTokenizer native_, TokenizerConfig config, Map<String, Integer> ids,
            Set<Integer> addedIds) {
        this.native_ = native_;
        this.config = config;
        this.ids = ids;
        this.addedIds.addAll(addedIds);
        int size = ids.values().stream().mapToInt(Integer::intValue).max().orElse(-1) + 1;
        pieces = new String[size];
        bytePiece = new boolean[size];
        for (Map.Entry<String, Integer> entry : ids.entrySet()) {
            pieces[entry.getValue()] = entry.getKey();
        }
        for (int id = 0; id < size; id++) {
            bytePiece[id] = pieces[id] != null && !addedIds.contains(id)
                    && SentencePieceBpe.byteValue(pieces[id]) >= 0;
        }
        bosId = ids.getOrDefault(config.bosToken(), -1);
        eosId = ids.getOrDefault(config.eosToken(), -1);
    }

    static HfJsonTokenizer load(Path file, TokenizerConfig config) {
        JsonNode root = TokenizerConfig.readJson(file);
        JsonNode vocab = root.path("model").path("vocab");
        if (!vocab.isObject()) {
            throw VllavaException.checkpoint("%s: no model.vocab object (not a BPE tokenizer.json)", file);
        }
        Map<String, Integer> ids = new HashMap<>();
        for (Map.Entry<String, JsonNode> entry : vocab.properties()) {
            if (!entry.getValue().canConvertToInt()) {
                throw VllavaException.checkpoint("%s: the id of vocabulary piece %s is not an integer",
                        file, entry.getKey());
            }
            ids.put(entry.getKey(), entry.getValue().intValue());
        }
        ObjectNode patched = ((ObjectNode) root).deepCopy();
        Set<Integer> addedIds = addMissingAddedTokens(patched, config, ids);
        patched.set("post_processor", postProcessor(config, ids, file));
        DjlNative.configure();
        HuggingFaceTokenizer tokenizer;
        try {
            byte[] json = TokenizerConfig.JSON.writeValueAsBytes(patched);
            tokenizer = HuggingFaceTokenizer.newInstance(new ByteArrayInputStream(json),
                    Map.of("addSpecialTokens", "true", "truncation", "false", "padding", "false"));
        } catch (IOException | RuntimeException e) {
            throw VllavaException.checkpoint("%s: the tokenizers library cannot load it (%s)", file,
                    String.valueOf(e.getMessage()).lines().findFirst().orElse(e.getClass().getSimpleName()));
        }
        for (AddedToken token : config.addedTokens().values()) {
            // The tokenizers library numbers added tokens itself; make sure it agrees with the config.
            long[] got = tokenizer.encode(token.content(), false, false).getIds();
            if (got.length != 1 || got[0] != ids.get(token.content())) {
                throw VllavaException.checkpoint("%s: added token %s has id %d in the tokenizer config but %s here",
                        file, token.content(), token.id(), java.util.Arrays.toString(got));
            }
        }
        return new HfJsonTokenizer(tokenizer, config, ids, addedIds);
    }

    /** Adds to the JSON's added_tokens those that only tokenizer_config.json / added_tokens.json list. */
    private static Set<Integer> addMissingAddedTokens(ObjectNode root, TokenizerConfig config,
            Map<String, Integer> ids) {
        ArrayNode added = root.withArray("added_tokens");
        Set<Integer> addedIds = new HashSet<>();
        Set<String> present = new HashSet<>();
        for (JsonNode token : added) {
            present.add(token.path("content").asText());
            addedIds.add(token.path("id").asInt());
            ids.put(token.path("content").asText(), token.path("id").asInt());
        }
        for (AddedToken token : config.addedTokens().values()) {
            if (present.contains(token.content())) {
                continue;
            }
            ObjectNode entry = added.addObject();
            entry.put("id", token.id());
            entry.put("content", token.content());
            entry.put("single_word", token.singleWord());
            entry.put("lstrip", token.lstrip());
            entry.put("rstrip", token.rstrip());
            entry.put("normalized", !token.special());
            entry.put("special", token.special());
            ids.put(token.content(), token.id());
            addedIds.add(token.id());
        }
        return addedIds;
    }

    /** LlamaTokenizerFast.update_post_processor: {@code [bos] $A [eos]}, pairs {@code [bos] $A [eos] [bos] $B [eos]}. */
    private static ObjectNode postProcessor(TokenizerConfig config, Map<String, Integer> ids, Path file) {
        ObjectNode processor = TokenizerConfig.JSON.createObjectNode();
        processor.put("type", "TemplateProcessing");
        ArrayNode single = processor.putArray("single");
        appendTemplate(single, config, "A", 0);
        ArrayNode pair = processor.putArray("pair");
        appendTemplate(pair, config, "A", 0);
        appendTemplate(pair, config, "B", 1);
        ObjectNode special = processor.putObject("special_tokens");
        for (String token : new String[] {config.addBosToken() ? config.bosToken() : null,
                config.addEosToken() ? config.eosToken() : null}) {
            if (token == null) {
                continue;
            }
            Integer id = ids.get(token);
            if (id == null) {
                throw VllavaException.checkpoint("%s: special token %s of tokenizer_config.json is not in the vocabulary",
                        file, token);
            }
            ObjectNode entry = special.putObject(token);
            entry.put("id", token);
            entry.putArray("ids").add(id);
            entry.putArray("tokens").add(token);
        }
        return processor;
    }

    private static void appendTemplate(ArrayNode template, TokenizerConfig config, String sequence, int typeId) {
        if (config.addBosToken()) {
            specialToken(template, config.bosToken(), typeId);
        }
        ObjectNode node = template.addObject().putObject("Sequence");
        node.put("id", sequence);
        node.put("type_id", typeId);
        if (config.addEosToken()) {
            specialToken(template, config.eosToken(), typeId);
        }
    }

    private static void specialToken(ArrayNode template, String token, int typeId) {
        ObjectNode node = template.addObject().putObject("SpecialToken");
        node.put("id", token);
        node.put("type_id", typeId);
    }

    @Override
    public int[] encode(String text, boolean addSpecialTokens) {
        Encoding encoding = native_.encode(text, addSpecialTokens, false);
        long[] raw = encoding.getIds();
        int[] out = new int[raw.length];
        for (int i = 0; i < raw.length; i++) {
            out[i] = (int) raw[i];
        }
        return out;
    }

    @Override
    public String decode(int[] tokenIds, boolean skipSpecialTokens) {
        checkIds(tokenIds);
        long[] raw = new long[tokenIds.length];
        for (int i = 0; i < tokenIds.length; i++) {
            raw[i] = tokenIds[i];
        }
        String text = native_.decode(raw, skipSpecialTokens);
        return config.cleanUpSpaces() ? CleanUp.apply(text) : text;
    }

    @Override
    public int bosId() {
        return bosId;
    }

    @Override
    public int eosId() {
        return eosId;
    }

    @Override
    public OptionalInt tokenId(String token) {
        Integer id = ids.get(token);
        return id == null ? OptionalInt.empty() : OptionalInt.of(id);
    }

    @Override
    public String piece(int id) {
        checkIds(new int[] {id});
        if (pieces[id] == null) {
            throw VllavaException.checkpoint("token id %d has no piece in tokenizer.json", id);
        }
        return pieces[id];
    }

    @Override
    public int vocabSize() {
        return pieces.length;
    }

    @Override
    public String kind() {
        return "tokenizer.json";
    }

    @Override
    public boolean legacy() {
        return config.legacy();
    }

    @Override
    public boolean isBytePiece(int id) {
        return id >= 0 && id < bytePiece.length && bytePiece[id];
    }

    @Override
    public boolean cleansUpSpaces() {
        return config.cleanUpSpaces();
    }
}
