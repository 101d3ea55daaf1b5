package dev.vllava.tokenizer;

/**
 * A token that is matched in the text before the model runs ({@code <s>}, {@code <image>}, ...), as transformers'
 * {@code AddedToken}: {@code lstrip}/{@code rstrip} eat the whitespace beside it, {@code singleWord} only matches
 * whole words, {@code special} ones are dropped by {@code skip_special_tokens}.
 */
public record AddedToken(int id, String content, boolean special, boolean lstrip, boolean rstrip, boolean singleWord) {}
