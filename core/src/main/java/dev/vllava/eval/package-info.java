/**
 * Batch evaluation ({@code vllava eval}): questions in, one prediction line per question out,
 * benchmark metrics at the end; resumable, shardable, independent of the model and the media decoder.
 *
 * <p>The command wires a model into {@link dev.vllava.eval.EvalRunner} through two functions:
 * <pre>{@code
 * EvalOptions options = EvalOptions.of(questions, out, task)        // task: Task.parse(--task), or
 *         .withMediaRoot(mediaRoot)                                 //   Task.infer(Questions.read(questions, root))
 *         .withBatchSize(batch)
 *         .withShard(Shard.parse(shardSpec, System.getenv()));
 * MediaPreparer<List<PixelValues>> preparer = (item, prompt) -> {
 *     // on background threads: decode item.media() in order (images, then videos); throw
 *     // VllavaException.media(...) / .contextOverflow(...) for a bad item
 * };
 * Predictor<List<PixelValues>> predictor = batch -> {
 *     // on the calling thread: one Prediction.of(text, generatedIds) per PreparedItem, in order
 * };
 * EvalSummary summary = new EvalRunner<>(options, preparer, predictor, progress -> log(progress.describe())).run();
 * System.out.println(summary.metrics().toJsonString());
 * }</pre>
 * {@code --score} is {@link dev.vllava.eval.Scorer#score(Task, java.nio.file.Path)} and {@code --merge} is
 * {@link dev.vllava.eval.Merge#merge}. The formats and metrics are described in {@code docs/eval.md}.
 */
package dev.vllava.eval;
