package dev.vllava.cli;

import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.vllava.checkpoint.SafeTensorsFile;
import dev.vllava.checkpoint.SafeTensorsWriter;
import java.io.IOException;
import java.lang.foreign.ValueLayout;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.Random;
import java.util.stream.Stream;
import org.junit.jupiter.api.Assumptions;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * Every documented exit code of {@code vllava ask}, produced by the built jar: the code, nothing on
 * stdout, and exactly one {@code vllava: error: ...} line on stderr that names what is at fault.
 * (Exit 1, an internal error, cannot be provoked honestly from outside: MainTest covers it in process.)
 */
class ExitCodesIT {
    private static final String SHAPES_MODEL = "testdata/shapes/model";
    private static final String VIDEO = "testdata/shapes/bench/media/v000.mp4";

    @TempDir
    Path temp;

    private static void assertFailure(int code, String messagePart, CliProcess.Result run) {
        run.assertFailure(code, messagePart);
    }

    /** A copy of the shapes model folder (a few MB) to break in one way. */
    private Path modelCopy() throws IOException {
        Path copy = Files.createDirectory(temp.resolve("model"));
        try (Stream<Path> files = Files.list(CliProcess.path(SHAPES_MODEL))) {
            for (Path file : files.toList()) {
                Files.copy(file, copy.resolve(file.getFileName()));
            }
        }
        return copy;
    }

    @Test
    void usageErrorsExitWithTwo() {
        assertFailure(2, "Unknown option: '--frobnicate'",
                CliProcess.run("ask", "--model", SHAPES_MODEL, "--frobnicate", "What color is the shape?"));
        assertFailure(2, "no model: give --model DIR or set VLLAVA_MODEL", CliProcess.run("ask", "--video", VIDEO, "What color?"));
    }

    @Test
    void missingOrCorruptMediaExitsWithThree() throws IOException {
        assertFailure(3, "no-such-clip.mp4",
                CliProcess.run("ask", "--model", SHAPES_MODEL, "--video", "testdata/no-such-clip.mp4", "What color is the shape?"));
        Path corrupt = temp.resolve("corrupt.mp4");
        byte[] noise = new byte[20_000];
        new Random(7).nextBytes(noise);
        Files.write(corrupt, noise);
        assertFailure(3, "corrupt.mp4", CliProcess.run("ask", "--model", SHAPES_MODEL, "--video", corrupt.toString(), "What color is the shape?"));
    }

    @Test
    void brokenCheckpointOrMissingTokenizerExitsWithFour() throws IOException {
        Path model = modelCopy();
        String dropped = "language_model.model.norm.weight";
        Path weights = model.resolve("model.safetensors");
        List<SafeTensorsWriter.Tensor> kept = new ArrayList<>();
        try (SafeTensorsFile file = SafeTensorsFile.open(CliProcess.path(SHAPES_MODEL + "/model.safetensors"))) {
            for (SafeTensorsFile.Entry entry : file.entries()) {
                if (!entry.name().equals(dropped)) {
                    kept.add(new SafeTensorsWriter.Tensor(entry.name(), entry.dtype(), entry.shape(), entry.data().toArray(ValueLayout.JAVA_BYTE)));
                }
            }
        }
        Files.delete(weights);
        SafeTensorsWriter.write(weights, Map.of("format", "pt"), kept);
        assertFailure(4, dropped, CliProcess.run("ask", "--model", model.toString(), "--video", VIDEO, "What color is the shape?"));

        Files.copy(CliProcess.path(SHAPES_MODEL + "/model.safetensors"), weights, java.nio.file.StandardCopyOption.REPLACE_EXISTING);
        Files.delete(model.resolve("tokenizer.model"));
        assertFailure(4, "tokenizer", CliProcess.run("ask", "--model", model.toString(), "--video", VIDEO, "What color is the shape?"));
    }

    @Test
    void cudaBackendWithoutADriverExitsWithFive() {
        Assumptions.assumeFalse(Backends.driverInstalled(), "this machine has an NVIDIA driver: --backend cuda may work here");
        assertFailure(5, "libcuda.so.1",
                CliProcess.run("ask", "--model", SHAPES_MODEL, "--backend", "cuda", "--video", VIDEO, "What color is the shape?"));
    }

    @Test
    void promptLongerThanTheContextExitsWithSix() throws IOException {
        Path model = modelCopy();
        Path config = model.resolve("config.json");
        String text = Files.readString(config);
        assertTrue(text.contains("\"max_position_embeddings\": 4096"), "shapes config.json layout changed: " + text);
        Files.writeString(config, text.replace("\"max_position_embeddings\": 4096", "\"max_position_embeddings\": 256"));
        assertFailure(6, "the prompt needs 535 tokens (520 of them visual) but the context holds 256",
                CliProcess.run("ask", "--model", model.toString(), "--video", VIDEO, "What color is the shape?"));
    }
}
