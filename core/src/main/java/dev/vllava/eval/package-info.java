/**
 * Batch evaluation ({@code vllava eval}): questions in, one prediction line per question out,
 * benchmark metrics at the end; resumable, shardable. The runner is independent of the model and the media
 * decoder; {@link dev.vllava.eval.VideoLlavaPredictor} and {@link dev.vllava.eval.VideoLlavaMediaPreparer} connect
 * it to a {@link dev.vllava.model.LoadedVideoLlava} (batched decoding: {@link dev.vllava.model.BatchGenerator}).
 *
 * <p>The command wires a model into {@link dev.vllava.eval.EvalRunner} through two functions:
 * <pre>{@code
 * EvalOptions options = EvalOptions.of(questions, out, task)        // task: Task.parse(--task), or
 *         .withMediaRoot(mediaRoot)                                 //   Task.infer(Questions.read(questions, root))
 *         .withBatchSize(batch)
 *         .withShard(Shard.parse(shardSpec, System.getenv()));
 * MediaPreparer<List<VisualInput>> preparer = new VideoLlavaMediaPreparer(pipeline, frames);
 *         // on background threads: decodes item.media() in order (images, then videos); a missing or
 *         // corrupt file throws VllavaException.media(...), which fails that item only
 * Predictor<List<VisualInput>> predictor = new VideoLlavaPredictor(pipeline, pipeline.options(64, GREEDY));
 *         // on the calling thread: prefills each prompt of a batch, decodes them together
 * EvalSummary summary = new EvalRunner<>(options, preparer, predictor, progress -> log(progress.describe())).run();
 * System.out.println(summary.metrics().toJsonString());
 * }</pre>
 * {@code --score} is {@link dev.vllava.eval.Scorer#score(Task, java.nio.file.Path)} and {@code --merge} is
 * {@link dev.vllava.eval.Merge#merge}. The formats and metrics are described in {@code docs/eval.md}.
 */
package dev.vllava.eval;
