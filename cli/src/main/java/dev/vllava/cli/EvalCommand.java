package dev.vllava.cli;

import dev.vllava.VllavaException;
import dev.vllava.engine.Engine;
import dev.vllava.eval.EvalItem;
import dev.vllava.eval.EvalOptions;
import dev.vllava.eval.EvalRunner;
import dev.vllava.eval.EvalSummary;
import dev.vllava.eval.JudgePass;
import dev.vllava.eval.Merge;
import dev.vllava.eval.Metrics;
import dev.vllava.eval.PredictionLog;
import dev.vllava.eval.Questions;
import dev.vllava.eval.Scorer;
import dev.vllava.eval.Shard;
import dev.vllava.eval.Task;
import dev.vllava.eval.VideoLlavaMediaPreparer;
import dev.vllava.eval.VideoLlavaPredictor;
import dev.vllava.eval.format.QuestionFormat;
import dev.vllava.eval.judge.Judge;
import dev.vllava.eval.judge.JudgeOptions;
import dev.vllava.generate.SamplingOptions;
import dev.vllava.model.LlamaDecoder;
import dev.vllava.model.LoadedVideoLlava;
import dev.vllava.model.VisualTokenBudget;
import java.io.PrintStream;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Locale;
import java.util.concurrent.Callable;
import picocli.CommandLine.Command;
import picocli.CommandLine.Mixin;
import picocli.CommandLine.Option;
import picocli.CommandLine.Parameters;

/**
 * {@code vllava eval}: a benchmark file through the model (resumable, shardable, batched), or
 * {@code --score} / {@code --merge} of prediction files. The metrics JSON is the only thing on stdout;
 * progress and the summary go to stderr. The work is in {@code dev.vllava.eval} (see docs/eval.md).
 */
@Command(name = "eval", mixinStandardHelpOptions = true, sortOptions = false,
        description = {"Run a benchmark and print its metrics as JSON.",
                "  vllava eval --model DIR --questions FILE --out PRED.jsonl [--format F --answers FILE] [options]",
                "  vllava eval --score PRED.jsonl [--task T] [--judge URL --judge-model NAME]",
                "  vllava eval --merge OUT.jsonl SHARD.jsonl... [--questions FILE.jsonl] [--task T]"})
final class EvalCommand implements Callable<Integer> {

    @Option(names = "--model", paramLabel = "DIR", description = "Checkpoint folder.")
    Path modelDir;

    @Option(names = "--questions", paramLabel = "FILE", description = "Questions, one JSON object per line (with --merge: the order and completeness check).")
    Path questions;

    @Option(names = "--format", paramLabel = "F", description = "Questions file format: jsonl, videoqa (Video-LLaVA's test_q.json), pope (llava_pope_test.jsonl), mmbench (the TSV) (default: inferred).")
    String format;

    @Option(names = "--answers", paramLabel = "FILE", description = "The original format's answers: videoqa's test_a.json, or pope's folder of coco_pope_*.json label files.")
    Path answers;

    @Option(names = "--out", paramLabel = "FILE",
            description = "Predictions file: a regular file (resumed) or a new path; not a folder, device or pipe.")
    Path out;

    @Option(names = "--task", paramLabel = "T", description = "open, yesno or choice (default: inferred from the items).")
    String task;

    @Option(names = "--media-root", paramLabel = "DIR", description = "Folder for relative media paths (default: the questions file's folder).")
    Path mediaRoot;

    @Option(names = "--batch", paramLabel = "N", defaultValue = "1", description = "Items decoded together (default: ${DEFAULT-VALUE}).")
    int batch;

    @Option(names = "--shard", paramLabel = "i/n|auto", description = "Run only items k with k mod n == i; auto: from Slurm, Kubernetes or VLLAVA_SHARD_INDEX/COUNT.")
    String shard;

    @Option(names = "--frames", paramLabel = "N", defaultValue = "8", description = "Frames sampled per video (default: ${DEFAULT-VALUE}).")
    int frames;

    @Option(names = "--max-new-tokens", paramLabel = "N", defaultValue = "64", description = "Most tokens per answer (default: ${DEFAULT-VALUE}).")
    int maxNewTokens;

    @Mixin
    EngineOptions engineOptions;

    @Mixin
    VisualTokenOptions visualTokens;

    @Option(names = "--no-prefix-reuse",
            description = "Decode, encode and prefill each item's media anew, even when the items before it had the same media (for A/B timing).")
    boolean noPrefixReuse;

    @Option(names = "--cache-dir", paramLabel = "DIR", defaultValue = "${env:VLLAVA_CACHE}",
            description = "Keep projected video/image features here across runs (at most 4 GiB); default: $VLLAVA_CACHE, else none.")
    Path cacheDir;

    @Option(names = "--score", paramLabel = "PRED", description = "Only score an existing predictions file.")
    Path scoreFile;

    @Option(names = "--merge", paramLabel = "OUT", description = "Merge the SHARD files into OUT, then score it.")
    Path mergeOut;

    @Option(names = "--judge", paramLabel = "URL", description = "Judge open answers with the GPT-judge prompt of Video-LLaVA through this OpenAI-compatible API base (e.g. http://127.0.0.1:8080/v1); key from VLLAVA_JUDGE_KEY or OPENAI_API_KEY.")
    String judgeUrl;

    @Option(names = "--judge-model", paramLabel = "NAME", description = "Model the judge endpoint runs (required with --judge).")
    String judgeModel;

    @Option(names = "--judge-retries", paramLabel = "N", defaultValue = "4", description = "Retries per item after 429, 5xx, timeouts or unparseable replies (default: ${DEFAULT-VALUE}).")
    int judgeRetries;

    @Option(names = "--judge-concurrency", paramLabel = "N", defaultValue = "4", description = "Judge requests in flight at once (default: ${DEFAULT-VALUE}).")
    int judgeConcurrency;

    @Option(names = "--judge-timeout", paramLabel = "SECONDS", defaultValue = "120", description = "Per-request timeout (default: ${DEFAULT-VALUE}).")
    int judgeTimeout;

    @Parameters(paramLabel = "SHARD", arity = "0..*", description = "Shard prediction files (with --merge).")
    List<Path> shards = new ArrayList<>();

    @Override
    public Integer call() {
        PrintStream stdout = new PrintStream(System.out, true, StandardCharsets.UTF_8);
        judgeOptions = judgeOptions(); // checked before anything runs
        Metrics metrics;
        if (scoreFile != null) {
            requireAbsent("--score", modelDir, out, questions, mergeOut, format, answers);
            metrics = score();
        } else if (mergeOut != null) {
            requireAbsent("--merge", modelDir, out, answers, format);
            metrics = merge();
        } else {
            metrics = run();
        }
        stdout.println(metrics.toJsonString());
        return 0;
    }

    private Metrics run() {
        if (modelDir == null || questions == null || out == null) {
            throw VllavaException.usage("eval needs --model, --questions and --out (or --score / --merge)");
        }
        if (!shards.isEmpty()) {
            throw VllavaException.usage("unexpected argument %s (shard files go with --merge)", shards.getFirst());
        }
        if (frames < 1) {
            throw VllavaException.usage("--frames must be at least 1, got %d", frames);
        }
        engineOptions.validate();
        VisualTokenBudget budget = visualTokens.budget();
        QuestionFormat questionFormat = format == null ? null : QuestionFormat.parse(format);
        List<EvalItem> items = Questions.read(questions, answers, questionFormat, mediaRoot); // fails before the model loads
        Task chosen = task != null ? Task.parse(task) : Task.infer(items);
        if (judgeOptions != null && chosen != Task.OPEN) {
            throw VllavaException.usage("--judge scores open answers; these questions are %s (give --task open to judge them)",
                    chosen.cliName());
        }
        if (chosen == Task.CHOICE) {
            items.forEach(item -> Scorer.circularMember(item, questions.getFileName().toString())); // a bad index
        }
        EvalOptions options = EvalOptions.of(questions, out, chosen).withMediaRoot(mediaRoot).withBatchSize(batch)
                .withFormat(questionFormat, answers)
                .withShard(shard == null ? Shard.ALL : Shard.parse(shard, System.getenv()));
        EvalSummary summary;
        // The predictions file is opened (checked, locked) before the model loads: a bad --out or a
        // second run on the same file is refused at once.
        try (PredictionLog log = PredictionLog.open(out, options.fsync());
                Engine engine = engineOptions.open(System.err::println);
                LoadedVideoLlava pipeline = LoadedVideoLlava.load(modelDir, engine, budget);
                EvalProgress progress = EvalProgress.onStderr();
                VideoLlavaPredictor predictor = new VideoLlavaPredictor(pipeline, pipeline.options(maxNewTokens, SamplingOptions.GREEDY),
                        !noPrefixReuse)) {
            ModelOptions.useFeatureCache(pipeline, cacheDir);
            summary = new EvalRunner<>(options, new VideoLlavaMediaPreparer(pipeline, frames, !noPrefixReuse), predictor, progress).run(log);
            if (Verbosity.isVerbose()) {
                System.err.println(memoryLine(pipeline, engine));
            }
        }
        System.err.println(describe(summary) + (budget == VisualTokenBudget.ALL ? "" : "; visual tokens " + budget));
        return judgeOptions == null ? summary.metrics() : judged(out);
    }

    /** The KV blocks and engine memory the run held at most (--verbose): shared prefixes show as one prefix, not one per item. */
    private static String memoryLine(LoadedVideoLlava pipeline, Engine engine) {
        LlamaDecoder.KvBlocks blocks = pipeline.model().decoder().kvBlocks();
        return String.format("vllava: memory: KV cache peak %d blocks of %d tokens (%.1f MiB), engine peak %.1f MiB",
                blocks.peak(), blocks.blockSize(), blocks.peak() * blocks.bytesPerBlock() / 1048576.0,
                engine.memoryUse().peakBytes() / 1048576.0);
    }

    private Metrics score() {
        if (!shards.isEmpty()) {
            throw VllavaException.usage("unexpected argument %s with --score", shards.getFirst());
        }
        Metrics metrics = judgeOptions == null ? Scorer.score(task == null ? null : Task.parse(task), scoreFile)
                : judged(scoreFile);
        System.err.println("vllava eval: " + scoreFile + ": " + accuracy(metrics));
        return metrics;
    }

    private Metrics merge() {
        Merge.Result result = Merge.merge(mergeOut, shards, questions, null);
        Metrics metrics = judgeOptions == null ? Scorer.score(task == null ? null : Task.parse(task), mergeOut)
                : judged(mergeOut);
        if (!result.missingIds().isEmpty()) {
            System.err.printf("vllava eval: %d ids of %s are in no shard: %s%n", result.missingIds().size(), questions,
                    String.join(", ", result.missingIds()));
        }
        System.err.printf("vllava eval: merged %d lines (%d duplicates dropped) into %s: %s%n", result.lines(),
                result.duplicates(), mergeOut, accuracy(metrics));
        return metrics;
    }

    private JudgeOptions judgeOptions;

    /** The judge's settings from the options and the environment, or null without {@code --judge}. */
    private JudgeOptions judgeOptions() {
        if (judgeUrl == null) {
            if (judgeModel != null) {
                throw VllavaException.usage("--judge-model goes with --judge URL");
            }
            return null;
        }
        if (task != null && Task.parse(task) != Task.OPEN) {
            throw VllavaException.usage("--judge scores open answers; it does not go with --task %s", task);
        }
        if (judgeTimeout < 1) {
            throw VllavaException.usage("--judge-timeout must be at least 1 second, got %d", judgeTimeout);
        }
        return new JudgeOptions(JudgeOptions.parseUrl(judgeUrl), judgeModel, JudgeOptions.keyFrom(System.getenv()),
                judgeRetries, judgeConcurrency, Duration.ofSeconds(judgeTimeout), Duration.ofSeconds(1));
    }

    /** Judges the file's open answers that have no verdict yet, then scores it. */
    private Metrics judged(Path predictions) {
        long start = System.nanoTime();
        JudgePass.Summary summary;
        try (Judge judge = new Judge(judgeOptions)) {
            summary = JudgePass.run(predictions, judge, warning -> System.err.println("vllava eval: " + warning));
        }
        System.err.printf(Locale.ROOT, "vllava eval: judge %s: %d asked (%d failed), %d judged before, in %.1f s%n",
                judgeOptions.model(), summary.asked(), summary.failed(), summary.kept(), (System.nanoTime() - start) / 1e9);
        return Scorer.score(Task.OPEN, predictions);
    }

    private static void requireAbsent(String mode, Object... options) {
        for (Object option : options) {
            if (option != null) {
                throw VllavaException.usage("%s takes no --model, --out or other run options (got %s)", mode, option);
            }
        }
    }

    /** The stderr summary line of a run. */
    static String describe(EvalSummary summary) {
        double seconds = summary.elapsed().toNanos() / 1e9;
        return String.format(Locale.ROOT, "vllava eval: %d items in this shard, %d resumed, %d run (%d errors) in %.1f s, %.2f items/s; %s",
                summary.shardItems(), summary.skipped(), summary.processed(), summary.errors(), seconds,
                seconds > 0 ? summary.processed() / seconds : 0, accuracy(summary.metrics()));
    }

    private static String accuracy(Metrics metrics) {
        String line = String.format(Locale.ROOT, "%s accuracy %.4f (%d/%d scored, %d errors, %d unscored)",
                metrics.task().cliName(), metrics.overall().accuracy(), metrics.overall().correct(),
                metrics.overall().n(), metrics.errors(), metrics.unscored());
        if (metrics.judge() == null) {
            return line;
        }
        var judge = metrics.judge().overall();
        return line + String.format(Locale.ROOT, "; judge accuracy %.4f, score %.4f (%d judged, %d failed)",
                judge.accuracy(), judge.score(), judge.judged(), judge.failed());
    }
}
