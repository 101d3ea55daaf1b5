package dev.vllava.cli;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.node.ObjectNode;
import dev.vllava.checkpoint.SafeTensorsFile;
import dev.vllava.checkpoint.SafeTensorsWriter;
import java.io.IOException;
import java.lang.foreign.ValueLayout;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.stream.Stream;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * Hostile but realistic inputs, through the built jar: each is one {@code vllava: error:} line with the
 * documented exit code, never an out-of-memory, a hang, a wrong message or a silent answer.
 */
class HostileInputIT {
    private static final String MODEL = "testdata/shapes/model";
    private static final String VIDEO = "testdata/shapes/bench/media/v000.mp4";
    private static final String QUESTION = "What color is the shape?";

    @TempDir
    Path temp;

    private static void assertFailure(int code, String messagePart, CliProcess.Result run) {
        assertEquals(code, run.exitCode(), run.describe());
        assertEquals("", run.out(), "stdout carries answers only");
        List<String> lines = run.errLines().lines().toList();
        assertEquals(1, lines.size(), "one line on stderr, no stack trace: " + run.err());
        assertTrue(lines.getFirst().startsWith("vllava: error: "), lines.getFirst());
        assertTrue(lines.getFirst().contains(messagePart), "'" + messagePart + "' in: " + lines.getFirst());
    }

    @Test
    void aClosedOrEmptyStdinAndABlankQuestionAreUsageErrors() {
        // With fd 0 closed the JVM opens its own lib/modules there: it must not be read as the question.
        assertFailure(2, "stdin is closed", CliProcess.runInShell("<&-", "ask", "--model", MODEL, "-"));
        assertFailure(2, "the question on stdin is empty", CliProcess.runWithInput("", "ask", "--model", MODEL, "-"));
        assertFailure(2, "the raw prompt on stdin is empty", CliProcess.runWithInput(" \n\t\n", "ask", "--model", MODEL, "--raw-prompt", "-"));
        assertFailure(2, "the question is empty", CliProcess.run("ask", "--model", MODEL, "   "));
    }

    @Test
    void endlessOrEmptyInputsAreRefusedWithoutReadingThemWhole() throws IOException {
        assertFailure(2, "stdin: more than 1 MiB", CliProcess.runInShell("< /dev/zero", "ask", "--model", MODEL, "-"));
        assertFailure(2, "longer than 1048576 characters", CliProcess.runInShell("< /dev/zero", "tokenize", "--model", MODEL));
        assertFailure(2, "/dev/zero: more than 256 MiB", CliProcess.run("eval", "--model", MODEL, "--questions", "/dev/zero",
                "--out", temp.resolve("out.jsonl").toString()));
        Path empty = Files.writeString(temp.resolve("empty.jsonl"), "\n  \n");
        assertFailure(2, "no questions", CliProcess.run("eval", "--model", MODEL, "--questions", empty.toString(),
                "--out", temp.resolve("out.jsonl").toString()));
    }

    @Test
    void configValuesOutOfRangeAreRefusedAtOnceNamingKeyAndValue() throws IOException {
        Path model = modelCopy();
        ObjectMapper json = new ObjectMapper();
        ObjectNode config = (ObjectNode) json.readTree(model.resolve("config.json").toFile());
        ((ObjectNode) config.get("text_config")).put("num_hidden_layers", 1_000_000_000);
        json.writeValue(model.resolve("config.json").toFile(), config);
        long start = System.nanoTime();
        assertFailure(4, "config.json: text_config.num_hidden_layers = 1000000000 is out of range",
                CliProcess.run("ask", "--model", model.toString(), "--video", VIDEO, QUESTION));
        assertTrue(System.nanoTime() - start < 60_000_000_000L, "refused before allocating a billion layers");
    }

    @Test
    void aFolderOrALinkLoopWhereAFileBelongsIsNamedAsSuch() throws IOException {
        Path model = modelCopy();
        Files.delete(model.resolve("config.json"));
        Files.createDirectory(model.resolve("config.json"));
        assertFailure(4, "config.json: is a directory", CliProcess.run("ask", "--model", model.toString(), QUESTION));
        Files.delete(model.resolve("config.json"));
        Files.createSymbolicLink(model.resolve("config.json"), model.resolve("config.json"));
        assertFailure(4, "too many levels of symbolic links", CliProcess.run("ask", "--model", model.toString(), QUESTION));

        Path weights = modelCopy("weights-folder");
        Files.delete(weights.resolve("model.safetensors"));
        Files.createDirectory(weights.resolve("model.safetensors"));
        assertFailure(4, "model.safetensors: is a directory", CliProcess.run("ask", "--model", weights.toString(), QUESTION));
    }

    @Test
    void badUserValuesAreUsageErrorsShownAsGiven() {
        assertFailure(2, "http://127.0.0.1/clip.mp4: a URL; vllava reads local files only",
                CliProcess.run("ask", "--model", MODEL, "--video", "http://127.0.0.1/clip.mp4", QUESTION));
        assertFailure(2, "token id 99999 is outside the vocabulary", CliProcess.run("tokenize", "--model", MODEL, "--decode", "99999 -1"));
    }

    @Test
    void nonFiniteWeightsAreACheckpointErrorNeverASilentAnswer() throws IOException {
        String norm = "language_model.model.norm.weight";
        Path atLoad = modelWithNaN("nan-norm", norm);
        assertFailure(4, "tensor " + norm + " holds a NaN or infinite value (element 0",
                CliProcess.run("ask", "--model", atLoad.toString(), "--video", VIDEO, QUESTION));
        // The output head is too large to scan at every start: its NaN shows in the first step's logits.
        // (BF16, whose widening keeps a NaN a NaN; the CPU engine's fast F16 widening turns one into a
        // large finite value, see README "Non-finite checks".)
        Path atRun = modelWithNaN("nan-head", "language_model.lm_head.weight");
        assertFailure(4, "the model produced a non-finite logit",
                CliProcess.run("ask", "--model", atRun.toString(), "--video", VIDEO, QUESTION));
    }

    private Path modelCopy() throws IOException {
        return modelCopy("model");
    }

    /** A copy of the shapes model folder (a few MB) to break in one way. */
    private Path modelCopy(String name) throws IOException {
        Path copy = Files.createDirectory(temp.resolve(name));
        try (Stream<Path> files = Files.list(CliProcess.path(MODEL))) {
            for (Path file : files.toList()) {
                Files.copy(file, copy.resolve(file.getFileName()));
            }
        }
        return copy;
    }

    /** A BF16 copy of the (F16) shapes model whose tensor {@code poisoned} holds a NaN in its first element. */
    private Path modelWithNaN(String name, String poisoned) throws IOException {
        Path model = modelCopy(name);
        List<SafeTensorsWriter.Tensor> tensors = new ArrayList<>();
        try (SafeTensorsFile file = SafeTensorsFile.open(CliProcess.path(MODEL + "/model.safetensors"))) {
            for (SafeTensorsFile.Entry entry : file.entries()) {
                assertEquals("F16", entry.dtype(), "the shapes model is F16");
                short[] halves = entry.data().toArray(ValueLayout.JAVA_SHORT_UNALIGNED);
                byte[] bf16 = new byte[2 * halves.length];
                for (int i = 0; i < halves.length; i++) {
                    int bits = Float.floatToRawIntBits(Float.float16ToFloat(halves[i])) >>> 16; // truncation: close enough to run
                    if (i == 0 && entry.name().equals(poisoned)) {
                        bits = 0x7fc0; // BF16 quiet NaN
                    }
                    bf16[2 * i] = (byte) bits;
                    bf16[2 * i + 1] = (byte) (bits >>> 8);
                }
                tensors.add(new SafeTensorsWriter.Tensor(entry.name(), "BF16", entry.shape(), bf16));
            }
        }
        Files.delete(model.resolve("model.safetensors"));
        SafeTensorsWriter.write(model.resolve("model.safetensors"), Map.of("format", "pt"), tensors);
        return model;
    }
}
