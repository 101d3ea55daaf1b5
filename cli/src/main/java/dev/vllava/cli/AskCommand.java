package dev.vllava.cli;

import dev.vllava.VllavaException;
import dev.vllava.generate.TokenListener;
import dev.vllava.model.Answer;
import dev.vllava.model.Pipeline;
import dev.vllava.model.VisualInput;
import dev.vllava.tokenizer.StreamingDecoder;
import java.io.IOException;
import java.io.PrintStream;
import java.io.UncheckedIOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.Callable;
import picocli.CommandLine.Command;
import picocli.CommandLine.Mixin;
import picocli.CommandLine.Option;
import picocli.CommandLine.Parameters;

/**
 * {@code vllava ask}: one question about images and videos. stdout carries the answer and nothing else:
 * streamed token by token as it is generated and ended with a newline, or one JSON object with
 * {@code --json}. Progress, {@code --stats} and logs go to stderr. The work is in {@link Pipeline}.
 */
@Command(name = "ask", mixinStandardHelpOptions = true, sortOptions = false, versionProvider = VersionProvider.class,
        description = {"Answer one question about videos and/or images.", "",
                "The question is wrapped in Video-LLaVA's template: [SYSTEM ]USER: <image>\\n<video>\\nQUESTION ASSISTANT:",
                "(one placeholder line per --image, then per --video). The answer goes to stdout; nothing else does."},
        exitCodeListHeading = "%nExit codes:%n",
        exitCodeList = {"0:answered", "1:internal error", "2:usage error", "3:media error (missing, unreadable or corrupt file)",
                "4:checkpoint or tokenizer error", "5:the requested backend is unavailable",
                "6:the prompt (plus --max-new-tokens) does not fit the model's context", "130:interrupted (Ctrl-C)"})
final class AskCommand implements Callable<Integer> {

    @Mixin
    ModelOptions model;

    @Option(names = "--video", paramLabel = "FILE", description = "A video; repeat for several (each adds a <video> placeholder, in order).")
    List<Path> videos = new ArrayList<>();

    @Option(names = "--image", paramLabel = "FILE", description = "An image; repeat for several (each adds an <image> placeholder, in order, before the videos').")
    List<Path> images = new ArrayList<>();

    @Parameters(paramLabel = "QUESTION", arity = "0..1", description = "The question, or - to read it from stdin.")
    String question;

    @Option(names = "--system", paramLabel = "TEXT", description = "A system text put before USER: (default: none, as in the model card's prompt).")
    String system;

    @Option(names = "--raw-prompt", paramLabel = "TEXT",
            description = "The whole prompt verbatim (- reads it from stdin), with <image>/<video> placeholders where the media go, in order.")
    String rawPrompt;

    @Mixin
    DecodingOptions decoding;

    @Option(names = "--json", description = "Print one JSON object (answer, token_ids, counts, finish_reason, backend, timings_ms, tokens_per_second) instead of streaming the answer.")
    boolean json;

    @Option(names = "--stats", description = "Print the time of each phase to stderr.")
    boolean stats;

    @Override
    public Integer call() {
        String prompt = promptText();
        PrintStream out = new PrintStream(System.out, false, StandardCharsets.UTF_8);
        Progress progress = Progress.forStderr();
        try (LoadedModel loaded = LoadedModel.open(model, progress, stats || Verbosity.isVerbose())) {
            Pipeline pipeline = loaded.pipeline;
            List<VisualInput> media = loaded.loadMedia(images, videos, model.frames);
            int room = pipeline.maxContextLength() - pipeline.promptTokens(prompt, media);
            StreamingDecoder decoder = pipeline.tokenizer().streamingDecoder();
            Answer answer;
            try (Progress.Step reading = progress.start("Reading the prompt", -1, null, 1)) {
                TokenListener listener = id -> {
                    reading.close();
                    if (!json) {
                        out.print(decoder.accept(id));
                        out.flush();
                    }
                };
                answer = pipeline.answer(prompt, media, pipeline.options(decoding.maxNewTokens(room), decoding.sampling()), listener);
            }
            if (json) {
                out.println(AnswerJson.of(answer, loaded.engine.name(), loaded.weights, loaded.loadMs, loaded.mediaMs()));
            } else {
                out.println(decoder.flush());
            }
            out.flush();
            if (stats) {
                System.err.println(AnswerJson.statsLine(answer, loaded.engine.name(), loaded.loadMs, loaded.mediaMs(), loaded.startupMs));
            }
        }
        return 0;
    }

    /** The raw prompt, or the question in Video-LLaVA's template. */
    private String promptText() {
        if ((question == null) == (rawPrompt == null)) {
            throw VllavaException.usage(question == null ? "give a QUESTION (or - to read it from stdin) or --raw-prompt TEXT"
                    : "give either a QUESTION or --raw-prompt, not both");
        }
        if (rawPrompt != null) {
            if (system != null) {
                throw VllavaException.usage("--system cannot be combined with --raw-prompt (put the system text in the raw prompt)");
            }
            return rawPrompt.equals("-") ? readStdin() : rawPrompt;
        }
        String text = question.equals("-") ? readStdin() : question;
        return Prompts.firstTurn(system, images.size(), videos.size(), text);
    }

    private static String readStdin() {
        try {
            return new String(System.in.readAllBytes(), StandardCharsets.UTF_8).stripTrailing();
        } catch (IOException e) {
            throw new UncheckedIOException("cannot read stdin", e);
        }
    }
}
