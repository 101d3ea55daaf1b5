package dev.vllava.cli;

import dev.vllava.Failure;
import dev.vllava.VllavaException;
import dev.vllava.generate.FinishReason;
import dev.vllava.generate.TokenListener;
import dev.vllava.model.Answer;
import dev.vllava.model.ChatTemplate;
import dev.vllava.model.PreparedPrompt;
import dev.vllava.model.Session;
import dev.vllava.model.VisualInput;
import dev.vllava.tokenizer.StreamingDecoder;
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

/**
 * {@code vllava chat}: a conversation read from stdin, one question per line, each answer streamed to
 * stdout on its own line. The KV cache keeps every earlier turn ({@link Session}), so a turn costs
 * only its own tokens. Lines starting with / are commands. With a terminal on stdin a prompt is shown
 * on stderr; piped, nothing but the answers reaches stdout, and a turn that fails prints an empty
 * line (or an error object with {@code --json}) so that answer N stays on line N.
 */
@Command(name = "chat", mixinStandardHelpOptions = true, sortOptions = false, versionProvider = VersionProvider.class,
        description = {"A multi-turn conversation about videos and images, one question per line on stdin.", "",
                "Media given here attach to the first question. Commands:",
                "  /image FILE   attach an image to the next question",
                "  /video FILE   attach a video to the next question",
                "  /reset        start a new conversation (after a context overflow, for instance)",
                "  /exit         quit (so does end of input, Ctrl-D)",
                "On a terminal, Ctrl-C stops the answer being written; pressed again, it quits."},
        exitCodeListHeading = "%nExit codes:%n",
        exitCodeList = {"0:end of input or /exit", "1:internal error", "2:usage error", "3:media error in the command line's media",
                "4:checkpoint or tokenizer error", "5:the requested backend is unavailable", "130:interrupted (Ctrl-C)"})
final class ChatCommand implements Callable<Integer> {

    @Mixin
    ModelOptions model;

    @Option(names = "--video", paramLabel = "FILE", description = "A video for the first question; repeatable.")
    List<Path> videos = new ArrayList<>();

    @Option(names = "--image", paramLabel = "FILE", description = "An image for the first question; repeatable.")
    List<Path> images = new ArrayList<>();

    @Option(names = "--system", paramLabel = "TEXT", description = "A system text put before the first USER: (default: none).")
    String system;

    @Option(names = "--context", paramLabel = "N", defaultValue = "0",
            description = "Tokens the conversation may hold (KV cache size; default: the model's max_position_embeddings).")
    int contextLength;

    @Mixin
    DecodingOptions decoding;

    @Option(names = "--json", description = "Print one JSON object per answer (as ask --json) instead of streaming text.")
    boolean json;

    @Option(names = "--stats", description = "Print the time of each phase of each turn to stderr.")
    boolean stats;

    private final List<VisualInput> attached = new ArrayList<>();
    private int attachedImages;
    private int attachedVideos;
    private boolean answered;

    @Override
    public Integer call() {
        if (contextLength < 0) {
            throw VllavaException.usage("--context must be >= 0, got %d", contextLength);
        }
        PrintStream out = new PrintStream(System.out, false, StandardCharsets.UTF_8);
        TerminalProgress progress = TerminalProgress.forStderr();
        try (LoadedModel loaded = LoadedModel.open(model, progress, stats || Verbosity.isVerbose());
                Session session = loaded.pipeline.newSession(contextLength);
                ChatInput input = ChatInput.open()) {
            attach(loaded.loadMedia(images, videos, model.frames), images.size(), videos.size());
            if (input.interactive()) {
                System.err.printf("vllava chat (%s backend, context %d tokens): /image FILE, /video FILE, /reset, /exit, Ctrl-D to quit%n",
                        loaded.engine.name(), session.freeContext());
            }
            Dialogue dialogue = new Dialogue();
            while (true) {
                String line = input.readLine(attached.isEmpty() ? ">>> " : ">>> [" + attached.size() + " attached] ");
                if (line == null) {
                    break;
                }
                line = line.strip();
                if (line.isEmpty()) {
                    continue;
                }
                if (line.startsWith("/")) {
                    if (!command(line, loaded, session, dialogue, input.interactive())) {
                        break;
                    }
                    continue;
                }
                turn(line, loaded, session, dialogue, out, progress, input);
            }
        }
        return 0;
    }

    /** Where the conversation stands: whether the next turn is the first, and whether the last answer ended with EOS. */
    private static final class Dialogue {
        boolean started;
        boolean lastStopped = true;
    }

    /** Runs one {@code /command}; false means quit. */
    private boolean command(String line, LoadedModel loaded, Session session, Dialogue dialogue, boolean interactive) {
        String[] parts = line.split("\\s+", 2);
        String argument = parts.length > 1 ? parts[1].strip() : "";
        switch (parts[0]) {
            case "/exit", "/quit" -> {
                return false;
            }
            case "/reset" -> {
                session.reset();
                dialogue.started = false;
                dialogue.lastStopped = true;
                if (interactive) {
                    System.err.println("(new conversation)");
                }
            }
            case "/image", "/video" -> {
                if (argument.isEmpty()) {
                    System.err.println("vllava: error: " + parts[0] + " needs a FILE");
                    break;
                }
                boolean image = parts[0].equals("/image");
                try {
                    List<Path> file = List.of(Path.of(argument));
                    attach(image ? loaded.loadMedia(file, List.of(), model.frames) : loaded.loadMedia(List.of(), file, model.frames),
                            image ? 1 : 0, image ? 0 : 1);
                    if (interactive) {
                        System.err.printf("(%s %s attached to the next question)%n", image ? "image" : "video", argument);
                    }
                } catch (VllavaException e) {
                    System.err.println("vllava: error: " + e.getMessage());
                }
            }
            default -> System.err.println("vllava: error: unknown command " + parts[0] + " (commands: /image FILE, /video FILE, /reset, /exit)");
        }
        return true;
    }

    private void attach(List<VisualInput> media, int images, int videos) {
        attached.addAll(media);
        attachedImages += images;
        attachedVideos += videos;
    }

    /** One question and its answer; a context overflow or a bad prompt is reported and the chat goes on. */
    private void turn(String question, LoadedModel loaded, Session session, Dialogue dialogue, PrintStream out, TerminalProgress progress,
            ChatInput input) {
        String prompt = dialogue.started
                ? ChatTemplate.nextTurn(dialogue.lastStopped, attachedImages, attachedVideos, question)
                : ChatTemplate.firstTurn(system, attachedImages, attachedVideos, question);
        StreamingDecoder decoder = loaded.pipeline.tokenizer().streamingDecoder();
        Answer answer;
        try (TerminalProgress.Step reading = progress.start("Reading the prompt", -1, null, 1)) {
            PreparedPrompt prepared = session.prepare(prompt, attached);
            int room = session.freeContext() - session.tokensFor(prepared);
            input.answerStarts();
            answer = session.ask(prepared, loaded.pipeline.options(decoding.maxNewTokens(room), decoding.sampling()),
                    new TokenListener() {
                        @Override
                        public void onToken(int id) {
                            reading.close();
                            if (!json) {
                                out.print(decoder.accept(id));
                                out.flush();
                            }
                        }

                        @Override
                        public boolean stopRequested() {
                            return input.stopRequested();
                        }
                    });
        } catch (VllavaException e) {
            if (e.failure() != Failure.CONTEXT_OVERFLOW && e.failure() != Failure.USAGE) {
                throw e;
            }
            String hint = e.failure() == Failure.CONTEXT_OVERFLOW ? " (/reset starts a new conversation)" : "";
            System.err.println("vllava: error: " + Main.message(e) + hint);
            out.println(json ? "{\"error\":" + jsonString(Main.message(e)) + "}" : "");
            out.flush();
            input.answerEnds();
            return;
        }
        // timings_ms.load: the model was loaded once, before the first answer
        VisualTokenUse visual = VisualTokenUse.of(loaded.pipeline, attached);
        out.println(json ? AnswerJson.of(answer, visual, loaded.engine.name(), loaded.weights, answered ? 0 : loaded.loadMs, loaded.mediaMs())
                : decoder.flush());
        answered = true;
        out.flush();
        input.answerEnds();
        if (stats) {
            System.err.println(AnswerJson.statsLine(answer, visual, loaded.engine.name(), loaded.loadMs, loaded.mediaMs(), loaded.startupMs));
        }
        loaded.resetMediaTime();
        dialogue.started = true;
        dialogue.lastStopped = answer.finishReason() == FinishReason.STOP;
        attached.clear();
        attachedImages = 0;
        attachedVideos = 0;
    }

    private static String jsonString(String text) {
        try {
            return new com.fasterxml.jackson.databind.ObjectMapper().writeValueAsString(text);
        } catch (com.fasterxml.jackson.core.JsonProcessingException e) {
            throw new UncheckedIOException(e);
        }
    }
}
