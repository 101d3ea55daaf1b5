package dev.vllava.eval;

import dev.vllava.VllavaException;
import dev.vllava.eval.format.QuestionFormat;
import java.nio.file.Path;

/**
 * What to evaluate and how ({@code vllava eval} options).
 *
 * @param mediaRoot folder for relative media paths; null: the questions file's folder
 * @param batchSize items per {@link Predictor#predict} call ({@code --batch})
 * @param prefetch items prepared ahead of the batch the model is running (prepared media in memory is
 *     bounded by prefetch + batchSize items)
 * @param prepareThreads background threads running the {@link MediaPreparer}
 * @param fsync force each output line to disk before going on
 * @param answers the original format's answers file or folder ({@code --answers}); null for none
 * @param format the questions' format ({@code --format}); null to infer it
 */
public record EvalOptions(
        Path questions,
        Path out,
        Path mediaRoot,
        Task task,
        int batchSize,
        Shard shard,
        int prefetch,
        int prepareThreads,
        boolean fsync,
        Path answers,
        QuestionFormat format) {

    public EvalOptions {
        if (batchSize < 1) {
            throw VllavaException.usage("--batch %d: must be at least 1", batchSize);
        }
        if (prefetch < 1 || prepareThreads < 1) {
            throw VllavaException.usage("prefetch and prepare threads must be at least 1");
        }
    }

    /** Batch 1, whole file, two preparing threads, prefetch 4, fsync on. */
    public static EvalOptions of(Path questions, Path out, Task task) {
        return new EvalOptions(questions, out, null, task, 1, Shard.ALL, 4, 2, true, null, null);
    }

    public EvalOptions withMediaRoot(Path root) {
        return new EvalOptions(questions, out, root, task, batchSize, shard, prefetch, prepareThreads, fsync, answers, format);
    }

    /** Also raises prefetch to two batches, so the next batch is being prepared while one runs. */
    public EvalOptions withBatchSize(int size) {
        return new EvalOptions(questions, out, mediaRoot, task, size, shard, Math.max(prefetch, 2 * size),
                prepareThreads, fsync, answers, format);
    }

    public EvalOptions withShard(Shard selected) {
        return new EvalOptions(questions, out, mediaRoot, task, batchSize, selected, prefetch, prepareThreads, fsync, answers, format);
    }

    public EvalOptions withPrefetch(int items, int threads) {
        return new EvalOptions(questions, out, mediaRoot, task, batchSize, shard, items, threads, fsync, answers, format);
    }

    /** Reads the questions in {@code questionsFormat}, with the original format's answers file. */
    public EvalOptions withFormat(QuestionFormat questionsFormat, Path answersFile) {
        return new EvalOptions(questions, out, mediaRoot, task, batchSize, shard, prefetch, prepareThreads, fsync,
                answersFile, questionsFormat);
    }

    public EvalOptions withFsync(boolean force) {
        return new EvalOptions(questions, out, mediaRoot, task, batchSize, shard, prefetch, prepareThreads, force, answers, format);
    }
}
