package dev.vllava.tokenizer;

import dev.vllava.VllavaException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.OptionalInt;

/**
 * The Llama tokenizer of a checkpoint folder: text to ids and back, with the checkpoint's special tokens.
 *
 * <p>{@link #load(Path)} prefers {@code tokenizer.json} (Hugging Face tokenizers format, run by the Rust
 * {@code tokenizers} library through DJL, exactly like transformers' fast tokenizer) and falls back to
 * {@code tokenizer.model} (sentencepiece BPE with byte fallback, reimplemented in Java with the semantics of
 * transformers' slow {@code LlamaTokenizer}). {@code tokenizer_config.json} (plus {@code special_tokens_map.json}
 * and {@code added_tokens.json} when present) decides BOS/EOS insertion, {@code legacy} and the added tokens.
 *
 * <p>Implementations are immutable and thread-safe; a {@link StreamingDecoder} is not (one per generation).
 */
public interface Tokenizer {

    /** Loads the tokenizer of {@code dir}; every problem is a one-line {@link VllavaException} (checkpoint). */
    static Tokenizer load(Path dir) {
        if (!Files.isDirectory(dir)) {
            throw VllavaException.checkpoint("%s: no such model directory", dir);
        }
        TokenizerConfig config = TokenizerConfig.load(dir);
        Path json = dir.resolve("tokenizer.json");
        if (Files.isRegularFile(json)) {
            return HfJsonTokenizer.load(json, config);
        }
        Path model = dir.resolve("tokenizer.model");
        if (Files.isRegularFile(model)) {
            return SentencePieceTokenizer.load(model, config);
        }
        throw VllavaException.checkpoint("%s: no tokenizer.json or tokenizer.model in the model directory", dir);
    }

    /** The ids of {@code text}; with {@code addSpecialTokens} BOS / EOS are added as the config says. */
    int[] encode(String text, boolean addSpecialTokens);

    /** The text of {@code ids}; {@code skipSpecialTokens} drops BOS, EOS, pad, unk, image and video tokens. */
    String decode(int[] ids, boolean skipSpecialTokens);

    int bosId();

    int eosId();

    /** The id of a whole token such as {@code "<image>"}, {@code "</s>"} or a vocabulary piece {@code "▁the"}. */
    OptionalInt tokenId(String token);

    /** The vocabulary piece (or added token) of {@code id}, e.g. {@code "▁the"}, {@code "<0x0A>"}, {@code "<video>"}. */
    String piece(int id);

    /** How many ids the tokenizer knows: the largest id + 1 (the model's embedding may be padded beyond). */
    int vocabSize();

    /** {@code "tokenizer.json"} or {@code "tokenizer.model"}: the file the tokenizer was read from. */
    String kind();

    /** The {@code legacy} flag of tokenizer_config.json (true when absent, as in transformers). */
    boolean legacy();

    /** Whether {@code id} is a byte-fallback piece {@code <0xXX>}: its text may be part of a multi-byte character. */
    boolean isBytePiece(int id);

    /** Whether decode applies transformers' {@code clean_up_tokenization_spaces} (" ." to "." and so on). */
    boolean cleansUpSpaces();

    /** A fresh incremental detokenizer for one generated sequence (special tokens are skipped). */
    default StreamingDecoder streamingDecoder() {
        return new StreamingDecoder(this);
    }

    /** Checks that every id is in the vocabulary, naming the first bad one. */
    default void checkIds(int[] ids) {
        int size = vocabSize();
        for (int id : ids) {
            if (id < 0 || id >= size) {
                throw VllavaException.checkpoint(
                        "token id %d is outside the vocabulary of the %s tokenizer (ids 0..%d)", id, kind(), size - 1);
            }
        }
    }
}
