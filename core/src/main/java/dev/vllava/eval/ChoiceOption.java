package dev.vllava.eval;

/** One lettered option of a multiple-choice item, e.g. {@code B} / {@code "a red apple"}. */
public record ChoiceOption(String letter, String text) {}
