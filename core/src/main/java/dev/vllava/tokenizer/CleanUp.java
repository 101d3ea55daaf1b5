package dev.vllava.tokenizer;

/** transformers' {@code clean_up_tokenization}: removes the space before punctuation and English contractions. */
final class CleanUp {
    private CleanUp() {}

    static String apply(String text) {
        return text.replace(" .", ".")
                .replace(" ?", "?")
                .replace(" !", "!")
                .replace(" ,", ",")
                .replace(" ' ", "'")
                .replace(" n't", "n't")
                .replace(" 'm", "'m")
                .replace(" 's", "'s")
                .replace(" 've", "'ve")
                .replace(" 're", "'re");
    }
}
