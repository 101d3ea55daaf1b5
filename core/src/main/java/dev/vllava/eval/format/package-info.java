/**
 * Readers for benchmarks as their authors distribute them ({@link dev.vllava.eval.format.QuestionFormat}):
 * Video-LLaVA's video-QA JSON, LLaVA's POPE files and the MMBench TSV, each mapped onto the fields of a
 * vllava questions line ({@link dev.vllava.eval.format.Row}) so that {@link dev.vllava.eval.Questions} turns
 * them into the same items as their JSON Lines equivalent.
 */
package dev.vllava.eval.format;
