package dev.vllava.cli;

import java.io.ByteArrayInputStream;
import java.nio.charset.StandardCharsets;
import java.util.List;

/**
 * The training run of the AOT cache ({@code make aot}, docs/cli.md): the commands a user starts, each
 * once, in one JVM, so that the cache holds the classes (and JIT profiles) of every common start-up path,
 * not just one: help and version, info, a video question (FFmpeg), an image question with {@code --json}
 * (ImageIO, Jackson), a tokenizer.json model (DJL's tokenizer), and two chat turns. Run from the
 * repository root, on the test models of {@code testdata/}.
 */
final class AotTraining {
    private static final String SHAPES = "testdata/shapes/model";
    private static final String VIDEO = "testdata/shapes/bench/media/v000.mp4";
    private static final String QUESTION = "What color is the shape?";

    private AotTraining() {}

    public static void main(String[] args) {
        List<List<String>> commands = List.of(
                List.of("--version"),
                List.of("--help"),
                List.of("ask", "--help"),
                List.of("info", "--model", SHAPES),
                List.of("ask", "--model", SHAPES, "--video", VIDEO, "--max-new-tokens", "4", QUESTION),
                List.of("ask", "--json", "--model", "testdata/tiny-a/model", "--image", "testdata/tiny-a/inputs/image.png",
                        "--max-new-tokens", "4", "Describe the image."),
                List.of("tokenize", "--model", "testdata/tokenizer", QUESTION));
        for (List<String> command : commands) {
            run(command);
        }
        System.setIn(new ByteArrayInputStream((QUESTION + "\n" + QUESTION + "\n").getBytes(StandardCharsets.UTF_8)));
        run(List.of("chat", "--model", SHAPES, "--video", VIDEO, "--max-new-tokens", "4"));
    }

    /** One command; a failure ends the training (the cache would miss that path). */
    private static void run(List<String> command) {
        int exitCode = Main.run(command.toArray(String[]::new));
        if (exitCode != 0) {
            System.err.println("vllava: error: AOT training: 'vllava " + String.join(" ", command) + "' exited with " + exitCode);
            System.exit(1);
        }
    }
}
