/**
 * The GPT judge of open video-QA answers, as Video-LLaVA's paper scores them: {@link dev.vllava.eval.judge.Judge}
 * asks any OpenAI-compatible chat-completions endpoint ({@link dev.vllava.eval.judge.JudgeOptions}) with
 * Video-LLaVA's prompt ({@link dev.vllava.eval.judge.JudgePrompt}), retrying transient failures, and reads the
 * reply's {@link dev.vllava.eval.judge.Verdict}. {@link dev.vllava.eval.JudgePass} runs it over a predictions
 * file and {@link dev.vllava.eval.JudgeStats} aggregates the verdicts. See docs/eval.md.
 */
package dev.vllava.eval.judge;
