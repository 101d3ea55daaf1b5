package dev.vllava.cli;

import dev.vllava.VllavaException;
import dev.vllava.checkpoint.Checkpoint;
import dev.vllava.checkpoint.TensorData;
import dev.vllava.checkpoint.quant.CheckpointQuantizer;
import dev.vllava.checkpoint.quant.QuantScheme;
import dev.vllava.checkpoint.quant.QuantTargets;
import java.io.PrintWriter;
import java.nio.file.Path;
import java.util.concurrent.Callable;
import picocli.CommandLine.Command;
import picocli.CommandLine.Model.CommandSpec;
import picocli.CommandLine.Option;
import picocli.CommandLine.Spec;

/**
 * {@code vllava quantize}: writes a compressed-tensors (pack-quantized) copy of a checkpoint that
 * ask, chat, eval and bench then read without any option, and that vLLM / llm-compressor read too.
 * The result is opened and checked as {@code vllava info} checks it before the command succeeds.
 */
@Command(
        name = "quantize",
        mixinStandardHelpOptions = true,
        description = {"Write a checkpoint with 8- or 4-bit weights (compressed-tensors pack-quantized, symmetric, per-group scales).",
                "By default the language model's linear layers (q/k/v/o, gate/up/down); lm_head, embeddings, norms and the"
                        + " vision towers stay as stored unless --include names them."})
final class QuantizeCommand implements Callable<Integer> {

    @Spec
    CommandSpec spec;

    @Option(names = "--model", required = true, paramLabel = "DIR", description = "Checkpoint folder to read.")
    Path modelDir;

    @Option(names = "--out", required = true, paramLabel = "DIR", description = "Folder to write (created; must not hold a checkpoint).")
    Path outDir;

    @Option(names = "--weights", required = true, paramLabel = "q8|q4", description = "8-bit or 4-bit weights.")
    String weights;

    @Option(names = "--group", paramLabel = "N", defaultValue = "32",
            description = "Inputs per scale (default: ${DEFAULT-VALUE}, the bits per weight of llama.cpp's Q8_0 / Q4_0; 128 is common too).")
    int group;

    @Option(names = "--include", paramLabel = "PARTS", description = "Also quantize: vision (both towers and the projector), lm_head; comma-separated.")
    String include;

    @Override
    public Integer call() {
        QuantScheme scheme = QuantScheme.parse(weights, group);
        QuantTargets targets = QuantTargets.parse(include);
        TerminalProgress progress = TerminalProgress.forStderr();
        long total = CheckpointQuantizer.sourceBytes(modelDir);
        try (TerminalProgress.Step step = progress.start("Quantizing", total, "MB", 1 << 20)) {
            CheckpointQuantizer.quantize(modelDir, outDir, scheme, targets, step::stepBy);
        }
        int quantized;
        long bytes;
        try (Checkpoint written = Checkpoint.open(outDir)) {
            quantized = (int) written.tensors().stream().filter(TensorData::isQuantized).count();
            bytes = written.bytesOnDisk();
        } catch (VllavaException e) {
            throw VllavaException.checkpoint("the written checkpoint does not open: %s", e.getMessage());
        }
        PrintWriter out = spec.commandLine().getOut();
        out.printf("wrote %s: %d layers as %s (int%d, groups of %d), %s of weights (from %s)%n", outDir, quantized, scheme.name(),
                scheme.bits(), scheme.groupSize(), BenchTable.bytes(bytes), BenchTable.bytes(total));
        out.flush();
        return 0;
    }
}
