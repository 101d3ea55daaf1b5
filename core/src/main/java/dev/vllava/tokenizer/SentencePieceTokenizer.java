package dev.vllava.tokenizer;

import dev.vllava.VllavaException;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.HashSet;
import java.util.List;
import java.util.Map;
import java.util.OptionalInt;
import java.util.Set;

/**
 * A {@code tokenizer.model}-only checkpoint, tokenized as transformers' slow {@code LlamaTokenizer} does it (the
 * reference the golden prompts come from): the text is split around added tokens ({@code <s>}, {@code <image>},
 * ...), and each piece between them is one sentencepiece {@code encode}.
 *
 * <ul>
 *   <li>{@code legacy: true}: every piece gets sentencepiece's dummy-prefix {@code ▁}, so text right after a special
 *       token starts with {@code ▁} ({@code "<video>\nHi"} -> {@code <video> ▁ <0x0A> Hi}).
 *   <li>{@code legacy: false}: the model's {@code add_dummy_prefix} is turned off; {@code ▁} is added once in front
 *       of the whole text (and dropped again if a special token follows it); a piece that starts with a space is
 *       encoded behind {@code <unk>} and the {@code <unk>} pieces are cut off, so its leading space is kept.
 * </ul>
 * Decoding follows {@code _decode} / {@code convert_tokens_to_string} of the same class. Immutable, thread-safe.
 */
final class SentencePieceTokenizer implements Tokenizer {
    private final SentencePieceBpe sp;
    private final TokenizerConfig config;
    private final Map<Integer, AddedToken> addedById = new HashMap<>();
    private final Map<String, AddedToken> addedByContent = new HashMap<>();
    /** Longest first, for leftmost-longest matching of added tokens in the text. */
    private final List<AddedToken> splitTokens = new ArrayList<>();
    /** transformers' {@code all_special_tokens} (named ones, plus added tokens marked special). */
    private final Set<String> specialContents = new HashSet<>();
    private final Set<Integer> specialIds = new HashSet<>();
    /** Added tokens that {@code _decode} keeps apart from the sentencepiece text. */
    private final Set<String> legacyAdded = new HashSet<>();
    private final int bosId;
    private final int eosId;
    private final int vocabSize;
    private final int unkTokenLength;
    private final int spaceId;

    private SentencePieceTokenizer(SentencePieceBpe sp, TokenizerConfig config) {
        this.sp = sp;
        this.config = config;
        for (AddedToken token : config.addedTokens().values()) {
            addedById.put(token.id(), token);
            addedByContent.putIfAbsent(token.content(), token);
        }
        Set<String> named = config.namedSpecialTokens();
        for (String content : named) {
            if (!addedByContent.containsKey(content)) {
                int id = sp.findPiece(content);
                if (id >= 0) { // transformers adds the named special tokens as unsplittable tokens too
                    AddedToken token = new AddedToken(id, content, true, false, false, false);
                    addedById.putIfAbsent(id, token);
                    addedByContent.put(content, token);
                }
            }
        }
        specialContents.addAll(named);
        for (AddedToken token : addedByContent.values()) {
            if (token.special()) {
                specialContents.add(token.content());
            }
            if (specialContents.contains(token.content())) {
                specialIds.add(token.id());
            }
            if (!specialContents.contains(token.content()) || token.id() >= sp.size()) {
                legacyAdded.add(token.content());
            }
        }
        splitTokens.addAll(addedByContent.values());
        splitTokens.sort((a, b) -> b.content().length() - a.content().length());
        bosId = idOrMinusOne(config.bosToken());
        eosId = idOrMinusOne(config.eosToken());
        int maxAdded = addedById.keySet().stream().mapToInt(Integer::intValue).max().orElse(-1);
        vocabSize = Math.max(sp.size(), maxAdded + 1);
        IdList unk = new IdList();
        sp.encode(config.unkToken(), unk);
        unkTokenLength = unk.size();
        spaceId = sp.findPiece(String.valueOf(SentencePieceBpe.SPACE_SYMBOL));
    }

    static SentencePieceTokenizer load(Path file, TokenizerConfig config) {
        SentencePieceModel model = SentencePieceModel.read(file);
        if (model.modelType() != SentencePieceModel.BPE) {
            throw VllavaException.checkpoint("%s: sentencepiece model type %d is not supported (only BPE, as Llama's)",
                    file, model.modelType());
        }
        if (model.hasPrecompiledCharsmap() || !(model.normalizerName().isEmpty()
                || model.normalizerName().equals("identity"))) {
            throw VllavaException.checkpoint(
                    "%s: sentencepiece normalization '%s' is not supported (only identity, as Llama's)",
                    file, model.normalizerName());
        }
        if (!config.legacy()) {
            model = model.withAddDummyPrefix(false); // as LlamaTokenizer.get_spm_processor does
        }
        try {
            return new SentencePieceTokenizer(new SentencePieceBpe(model), config);
        } catch (IllegalArgumentException e) {
            throw VllavaException.checkpoint("%s: not a usable sentencepiece model (%s)", file, e.getMessage());
        }
    }

    private int idOrMinusOne(String token) {
        return tokenId(token).orElse(-1);
    }

    // ---------------------------------------------------------------- encode

    @Override
    public int[] encode(String text, boolean addSpecialTokens) {
        IdList ids = new IdList();
        String input = text;
        if (!config.legacy() && !input.isEmpty()) {
            input = input.replace(SentencePieceBpe.SPACE_SYMBOL, ' ');
            if (config.addPrefixSpace()) {
                input = SentencePieceBpe.SPACE_SYMBOL + input;
            }
        }
        for (Segment segment : split(input)) {
            if (segment.token() != null) {
                ids.add(segment.token().id());
            } else if (!segment.text().isEmpty()) {
                encodeText(segment.text(), ids);
            }
        }
        if (!config.legacy() && ids.size() > 1 && ids.get(0) == spaceId
                && specialContents.contains(piece(ids.get(1)))) {
            ids.removeFirst();
        }
        if (!addSpecialTokens) {
            return ids.toArray();
        }
        IdList withSpecial = new IdList();
        if (config.addBosToken() && bosId >= 0) {
            withSpecial.add(bosId);
        }
        withSpecial.addAll(ids, 0);
        if (config.addEosToken() && eosId >= 0) {
            withSpecial.add(eosId);
        }
        return withSpecial.toArray();
    }

    /** LlamaTokenizer._tokenize of one piece of text between added tokens. */
    private void encodeText(String text, IdList out) {
        boolean leadingSpace = text.charAt(0) == ' ' || text.charAt(0) == SentencePieceBpe.SPACE_SYMBOL;
        if (config.legacy() || !leadingSpace) {
            sp.encode(text, out);
            return;
        }
        IdList withUnk = new IdList();
        sp.encode(config.unkToken() + text, withUnk);
        out.addAll(withUnk, withUnk.size() >= unkTokenLength ? unkTokenLength : 0);
    }

    private record Segment(String text, AddedToken token) {}

    /** PreTrainedTokenizer.tokenize: split on added tokens, then apply their lstrip / rstrip / single_word. */
    private List<Segment> split(String text) {
        List<Segment> segments = new ArrayList<>();
        int from = 0;
        int i = 0;
        while (i < text.length()) {
            AddedToken match = null;
            for (AddedToken token : splitTokens) {
                if (text.startsWith(token.content(), i)) {
                    match = token;
                    break;
                }
            }
            if (match == null) {
                i++;
                continue;
            }
            if (i > from) {
                segments.add(new Segment(text.substring(from, i), null));
            }
            segments.add(new Segment(match.content(), match));
            i += match.content().length();
            from = i;
        }
        if (from < text.length()) {
            segments.add(new Segment(text.substring(from), null));
        }
        for (int k = 0; k < segments.size(); k++) {
            AddedToken token = segments.get(k).token();
            if (token == null) {
                continue;
            }
            Segment left = k > 0 ? segments.get(k - 1) : null;
            Segment right = k + 1 < segments.size() ? segments.get(k + 1) : null;
            if (token.rstrip() && right != null && right.token() == null && !right.text().isEmpty()) {
                segments.set(k + 1, new Segment(right.text().stripLeading(), null));
            }
            if (token.lstrip() && left != null && left.token() == null && !left.text().isEmpty()) {
                segments.set(k - 1, new Segment(left.text().stripTrailing(), null));
            }
            left = k > 0 ? segments.get(k - 1) : null;
            right = k + 1 < segments.size() ? segments.get(k + 1) : null;
            if (token.singleWord() && left != null && left.token() == null && !left.text().isEmpty()
                    && !left.text().endsWith(" ")) {
                segments.set(k - 1, new Segment(left.text() + token.content(), null));
                segments.set(k, new Segment("", null));
            } else if (token.singleWord() && right != null && right.token() == null && !right.text().isEmpty()
                    && !right.text().startsWith(" ")) {
                segments.set(k, new Segment(token.content() + right.text(), null));
                segments.set(k + 1, new Segment("", null));
            }
        }
        return segments;
    }

    // ---------------------------------------------------------------- decode

    @Override
    public String decode(int[] ids, boolean skipSpecialTokens) {
        checkIds(ids);
        List<String> subTexts = new ArrayList<>();
        List<String> current = new ArrayList<>();
        for (int id : ids) {
            if (skipSpecialTokens && specialIds.contains(id)) {
                continue;
            }
            String token = piece(id);
            if (addedById.containsKey(id) && legacyAdded.contains(token)) {
                if (!current.isEmpty()) {
                    String string = tokensToString(current);
                    if (!string.isEmpty()) {
                        subTexts.add(string);
                    }
                    current.clear();
                }
                subTexts.add(token);
            } else {
                current.add(token);
            }
        }
        if (!current.isEmpty()) {
            subTexts.add(tokensToString(current));
        }
        // transformers' _decode joins with spaces_between_special_tokens, whose default there is True.
        String text = String.join(" ", subTexts);
        return config.cleanUpSpaces() ? CleanUp.apply(text) : text;
    }

    /** LlamaTokenizer.convert_tokens_to_string. */
    private String tokensToString(List<String> tokens) {
        List<String> pieces = new ArrayList<>(tokens);
        if (config.addPrefixSpace() && pieces.getFirst().charAt(0) == SentencePieceBpe.SPACE_SYMBOL) {
            pieces.set(0, pieces.getFirst().substring(1));
        }
        StringBuilder out = new StringBuilder();
        List<String> run = new ArrayList<>();
        boolean previousSpecial = false;
        for (int i = 0; i < pieces.size(); i++) {
            String token = pieces.get(i);
            if (specialContents.contains(token)) {
                if (!previousSpecial && i != 0 && config.legacy()) {
                    out.append(' ');
                }
                out.append(sp.decodePieces(run)).append(token);
                previousSpecial = true;
                run.clear();
            } else {
                if (previousSpecial && i == 1 && config.addPrefixSpace() && !token.isEmpty()
                        && token.charAt(0) != SentencePieceBpe.SPACE_SYMBOL) {
                    out.append(' ');
                }
                run.add(token);
                previousSpecial = false;
            }
        }
        return out.append(sp.decodePieces(run)).toString();
    }

    // ---------------------------------------------------------------- vocabulary

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
        AddedToken added = addedByContent.get(token);
        if (added != null) {
            return OptionalInt.of(added.id());
        }
        int id = sp.findPiece(token);
        return id >= 0 ? OptionalInt.of(id) : OptionalInt.empty();
    }

    @Override
    public String piece(int id) {
        AddedToken added = addedById.get(id);
        if (added != null) {
            return added.content();
        }
        if (id < 0 || id >= sp.size()) {
            checkIds(new int[] {id});
            throw VllavaException.checkpoint("token id %d has no piece in tokenizer.model", id);
        }
        return sp.piece(id);
    }

    @Override
    public int vocabSize() {
        return vocabSize;
    }

    @Override
    public String kind() {
        return "tokenizer.model";
    }

    @Override
    public boolean legacy() {
        return config.legacy();
    }

    @Override
    public boolean isBytePiece(int id) {
        return id >= 0 && id < sp.size() && !addedById.containsKey(id) && sp.type(id) == SentencePieceModel.BYTE;
    }

    @Override
    public boolean cleansUpSpaces() {
        return config.cleanUpSpaces();
    }
}
