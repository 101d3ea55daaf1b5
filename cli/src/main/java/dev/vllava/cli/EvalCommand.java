package dev.vllava.cli;

import dev.vllava.VllavaException;
import dev.vllava.checkpoint.quant.LoadQuantization;
import dev.vllava.engine.Engine;
import dev.vllava.eval.EvalItem;
import dev.vllava.eval.EvalOptions;
import dev.vllava.eval.EvalRunner;
import dev.vllava.eval.EvalSummary;
import dev.vllava.eval.Merge;
import dev.vllava.eval.Metrics;
import dev.vllava.eval.PipelineMediaPreparer;
import dev.vllava.eval.PipelinePredictor;
import dev.vllava.eval.Questions;
import dev.vllava.eval.Scorer;
import dev.vllava.eval.Shard;
import dev.vllava.eval.Task;
import dev.vllava.generate.SamplingOptions;
import dev.vllava.model.Pipeline;
import java.io.PrintStream;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Locale;
import java.util.concurrent.Callable;
import picocli.CommandLine.Command;
import picocli.CommandLine.Option;
import picocli.CommandLine.Parameters;

/**
 * {@code vllava eval}: a benchmark file through the model (resumable, shardable, batched), or
 * {@code --score} / {@code --merge} of prediction files. The metrics JSON is the only thing on stdout;
 * progress and the summary go to stderr. The work is in {@code dev.vllava.eval} (see docs/eval.md).
 */
@Command(name = "eval", mixinStandardHelpOptions = true, sortOptions = false,
        description = {"Run a benchmark and print its metrics as JSON.",
                "  vllava eval --model DIR --questions FILE.jsonl --out PRED.jsonl [options]",
                "  vllava eval --score PRED.jsonl [--task T]",
                "  vllava eval --merge OUT.jsonl SHARD.jsonl... [--questions FILE.jsonl] [--task T]"})
final class EvalCommand implements Callable<Integer> {

    @Option(names = "--model", paramLabel = "DIR", description = "Checkpoint folder.")
    Path modelDir;

    @Option(names = "--questions", paramLabel = "FILE", description = "Questions, one JSON object per line (with --merge: the order and completeness check).")
    Path questions;

    @Option(names = "--out", paramLabel = "FILE", description = "Predictions file; an existing one is resumed.")
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

    @Option(names = "--backend", paramLabel = "NAME", defaultValue = "auto",
            description = "Compute engine: auto, cpu, cuda (default: ${DEFAULT-VALUE}: CUDA when a usable GPU is present, else CPU).")
    String backend;

    @Option(names = "--threads", paramLabel = "N", description = "CPU threads (default: all cores).")
    Integer threads;

    @Option(names = "--device", paramLabel = "N", defaultValue = "0", description = "CUDA device ordinal (default: ${DEFAULT-VALUE}).")
    int device;

    @Option(names = "--weights", paramLabel = "q8|q4", description = WeightsChoice.DESCRIPTION)
    String weights;

    @Option(names = "--score", paramLabel = "PRED", description = "Only score an existing predictions file.")
    Path scoreFile;

    @Option(names = "--merge", paramLabel = "OUT", description = "Merge the SHARD files into OUT, then score it.")
    Path mergeOut;

    @Parameters(paramLabel = "SHARD", arity = "0..*", description = "Shard prediction files (with --merge).")
    List<Path> shards = new ArrayList<>();

    @Override
    public Integer call() {
        PrintStream stdout = new PrintStream(System.out, true, StandardCharsets.UTF_8);
        Metrics metrics;
        if (scoreFile != null) {
            requireAbsent("--score", modelDir, out, questions, mergeOut);
            metrics = score();
        } else if (mergeOut != null) {
            requireAbsent("--merge", modelDir, out);
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
        if (threads != null && threads < 1) {
            throw VllavaException.usage("--threads must be at least 1, got %d", threads);
        }
        if (!ModelOptions.BackendNames.NAMES.contains(backend)) {
            throw VllavaException.usage("--backend must be one of auto, cpu, cuda, got '%s'", backend);
        }
        LoadQuantization quantizeAtLoad = WeightsChoice.parse(weights);
        List<EvalItem> items = Questions.read(questions, mediaRoot); // a bad file fails before the model loads
        Task chosen = task != null ? Task.parse(task) : Task.infer(items);
        EvalOptions options = EvalOptions.of(questions, out, chosen).withMediaRoot(mediaRoot).withBatchSize(batch)
                .withShard(shard == null ? Shard.ALL : Shard.parse(shard, System.getenv()));
        EvalSummary summary;
        try (Engine engine = Backends.open(backend, threads, device, quantizeAtLoad, System.err::println);
                Pipeline pipeline = Pipeline.load(modelDir, engine);
                EvalProgress progress = EvalProgress.onStderr(System.err)) {
            PipelinePredictor predictor = new PipelinePredictor(pipeline, pipeline.options(maxNewTokens, SamplingOptions.GREEDY));
            summary = new EvalRunner<>(options, new PipelineMediaPreparer(pipeline, frames), predictor, progress).run();
        }
        System.err.println(describe(summary));
        return summary.metrics();
    }

    private Metrics score() {
        if (!shards.isEmpty()) {
            throw VllavaException.usage("unexpected argument %s with --score", shards.getFirst());
        }
        Metrics metrics = Scorer.score(task == null ? null : Task.parse(task), scoreFile);
        System.err.println("vllava eval: " + scoreFile + ": " + accuracy(metrics));
        return metrics;
    }

    private Metrics merge() {
        Merge.Result result = Merge.merge(mergeOut, shards, questions, null);
        Metrics metrics = Scorer.score(task == null ? null : Task.parse(task), mergeOut);
        if (!result.missingIds().isEmpty()) {
            System.err.printf("vllava eval: %d ids of %s are in no shard: %s%n", result.missingIds().size(), questions,
                    String.join(", ", result.missingIds()));
        }
        System.err.printf("vllava eval: merged %d lines (%d duplicates dropped) into %s: %s%n", result.lines(),
                result.duplicates(), mergeOut, accuracy(metrics));
        return metrics;
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
        return String.format(Locale.ROOT, "%s accuracy %.4f (%d/%d scored, %d errors, %d unscored)",
                metrics.task().cliName(), metrics.overall().accuracy(), metrics.overall().correct(),
                metrics.overall().n(), metrics.errors(), metrics.unscored());
    }
}
