package dev.vllava.cli;

import dev.vllava.VllavaException;
import dev.vllava.generate.GenerationOptions;
import dev.vllava.generate.Timings;
import dev.vllava.generate.TokenListener;
import dev.vllava.model.Answer;
import dev.vllava.model.ChatTemplate;
import dev.vllava.model.LoadedVideoLlava;
import dev.vllava.model.MediaPrefix;
import dev.vllava.model.PreparedPrompt;
import dev.vllava.model.VisualInput;
import dev.vllava.tokenizer.StreamingDecoder;
import java.io.PrintStream;
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
 * {@code vllava ask}: questions about images and videos. stdout carries the answers and nothing else:
 * each streamed token by token as it is generated and ended with a newline, or one JSON object per line
 * with {@code --json}. Several questions are answered independently (not as a dialogue) on one
 * {@link MediaPrefix}: the media are decoded, encoded and prefilled once, each question reads only its
 * own tokens. Progress, {@code --stats} and logs go to stderr. The work is in {@link LoadedVideoLlava}.
 */
@Command(name = "ask", mixinStandardHelpOptions = true, sortOptions = false, versionProvider = VersionProvider.class,
        description = {"Answer questions about videos and/or images.", "",
                "The question is wrapped in Video-LLaVA's template: [SYSTEM ]USER: <image>\\n<video>\\nQUESTION ASSISTANT:",
                "(one placeholder line per --image, then per --video). The answer goes to stdout; nothing else does.",
                "Several questions are answered independently, in order, one answer per line (--json: one object per line);",
                "the media are decoded, encoded and read into the KV cache once for all of them."},
        exitCodeListHeading = "%nExit codes:%n",
        exitCodeList = {"0:answered", "1:internal error", "2:usage error", "3:media error (missing, unreadable or corrupt file)",
                "4:checkpoint or tokenizer error", "5:the requested backend is unavailable",
                "6:the prompt (plus --max-new-tokens) does not fit the model's context", "130:interrupted (Ctrl-C)"})
final class AskCommand implements Callable<Integer> {

    @Mixin
    ModelOptions model;

    @Option(names = "--video", paramLabel = "FILE", converter = MediaPathConverter.class, description = "A video; repeat for several (each adds a <video> placeholder, in order).")
    List<Path> videos = new ArrayList<>();

    @Option(names = "--image", paramLabel = "FILE", converter = MediaPathConverter.class, description = "An image; repeat for several (each adds an <image> placeholder, in order, before the videos').")
    List<Path> images = new ArrayList<>();

    @Parameters(paramLabel = "QUESTION", arity = "0..*",
            description = "The question, or - to read it from stdin; several are answered independently on the same media.")
    List<String> questions = new ArrayList<>();

    @Option(names = "--system", paramLabel = "TEXT", description = "A system text put before USER: (default: none, as in the model card's prompt).")
    String system;

    @Option(names = "--raw-prompt", paramLabel = "TEXT",
            description = "The whole prompt verbatim (- reads it from stdin), with <image>/<video> placeholders where the media go, in order.")
    String rawPrompt;

    @Mixin
    DecodingOptions decoding;

    @Option(names = "--json", description = "Print one JSON object per question, one per line (answer, token_ids, counts, finish_reason, backend, visual_tokens, timings_ms, tokens_per_second) instead of streaming the answer.")
    boolean json;

    @Option(names = "--stats", description = "Print the time of each phase to stderr.")
    boolean stats;

    @Override
    public Integer call() {
        List<String> prompts = promptTexts();
        PrintStream out = new PrintStream(System.out, false, StandardCharsets.UTF_8);
        TerminalProgress progress = TerminalProgress.forStderr();
        try (LoadedModel loaded = LoadedModel.open(model, progress, stats || Verbosity.isVerbose())) {
            LoadedVideoLlava pipeline = loaded.pipeline;
            List<VisualInput> media = loaded.loadMedia(images, videos, model.frames);
            List<PreparedPrompt> prepared = prompts.stream().map(prompt -> pipeline.prepare(prompt, media)).toList();
            try (MediaPrefix prefix = sharedPrefix(pipeline, prepared, progress)) {
                for (int i = 0; i < prepared.size(); i++) {
                    answer(loaded, prefix, prepared.get(i), i == 0, progress, out);
                }
            }
        }
        return 0;
    }

    /** The media prefix several questions share (null for one question, or prompts without a common media prefix). */
    private static MediaPrefix sharedPrefix(LoadedVideoLlava pipeline, List<PreparedPrompt> prompts, TerminalProgress progress) {
        if (prompts.size() < 2 || !MediaPrefix.sharable(prompts.getFirst())) {
            return null;
        }
        try (TerminalProgress.Step reading = progress.start("Reading the media", -1, null, 1)) {
            MediaPrefix prefix = pipeline.prefix(prompts.getFirst());
            if (prompts.stream().allMatch(prefix::covers)) {
                return prefix;
            }
            prefix.close();
            return null;
        }
    }

    /** Answers one prompt to stdout; the first answer on a prefix also counts the prefix's vision and prefill time. */
    private void answer(LoadedModel loaded, MediaPrefix prefix, PreparedPrompt prompt, boolean first, TerminalProgress progress, PrintStream out) {
        LoadedVideoLlava pipeline = loaded.pipeline;
        GenerationOptions options = pipeline.options(decoding.maxNewTokens(pipeline.maxContextLength() - prompt.length()), decoding.sampling());
        StreamingDecoder decoder = pipeline.tokenizer().streamingDecoder();
        Answer answer;
        try (TerminalProgress.Step reading = progress.start("Reading the prompt", -1, null, 1)) {
            TokenListener listener = id -> {
                reading.close();
                if (!json) {
                    out.print(decoder.accept(id));
                    out.flush();
                }
            };
            answer = prefix == null ? pipeline.answer(prompt, options, listener) : pipeline.answer(prefix, prompt, options, listener);
        }
        if (prefix != null && first) {
            Timings own = answer.timings();
            answer = new Answer(answer.text(), answer.tokenIds(), answer.promptTokens(), answer.finishReason(),
                    new Timings(prefix.visionMs(), prefix.prefillMs() + own.prefillMs(), own.decodeMs()));
        }
        VisualTokenUse visual = VisualTokenUse.of(pipeline, prompt.media());
        if (json) {
            out.println(AnswerJson.of(answer, visual, loaded.engine.name(), loaded.weights, loaded.loadMs, loaded.mediaMs()));
        } else {
            out.println(decoder.flush());
        }
        out.flush();
        if (stats) {
            System.err.println(AnswerJson.statsLine(answer, visual, loaded.engine.name(), loaded.loadMs, loaded.mediaMs(), loaded.startupMs));
        }
    }

    /** The raw prompt, or each question in Video-LLaVA's template. */
    private List<String> promptTexts() {
        if (questions.isEmpty() == (rawPrompt == null)) {
            throw VllavaException.usage(questions.isEmpty() ? "give a QUESTION (or - to read it from stdin) or --raw-prompt TEXT"
                    : "give either a QUESTION or --raw-prompt, not both");
        }
        if (rawPrompt != null) {
            if (system != null) {
                throw VllavaException.usage("--system cannot be combined with --raw-prompt (put the system text in the raw prompt)");
            }
            return List.of(rawPrompt.equals("-") ? StdinText.read(System.in, "raw prompt") : StdinText.requireText(rawPrompt, "raw prompt"));
        }
        if (questions.size() > 1 && questions.contains("-")) {
            throw VllavaException.usage("- (the question from stdin) must be the only QUESTION");
        }
        return questions.stream()
                .map(question -> ChatTemplate.firstTurn(system, images.size(), videos.size(),
                        question.equals("-") ? StdinText.read(System.in, "question") : StdinText.requireText(question, "question")))
                .toList();
    }
}
