package dev.vllava.cli;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertInstanceOf;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.vllava.Failure;
import dev.vllava.VllavaException;
import java.io.ByteArrayInputStream;
import java.io.ByteArrayOutputStream;
import java.io.InputStream;
import java.io.PrintStream;
import java.io.PrintWriter;
import java.io.StringWriter;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import picocli.CommandLine;

/** {@code vllava tokenize} run in-JVM through picocli, stdout captured. */
class TokenizeCommandTest {
    private static final String REALVOCAB = Path.of("..", "testdata", "tokenizer").toString();
    private static final String TINY_A = Path.of("..", "testdata", "tiny-a", "model").toString();

    private record Run(int exitCode, String stdout, Exception failure) {}

    private static Run run(String stdin, String... args) {
        StringWriter out = new StringWriter();
        InputStream in = new ByteArrayInputStream(stdin.getBytes(StandardCharsets.UTF_8));
        CommandLine commandLine = new CommandLine(new TokenizeCommand(in, new PrintWriter(out)));
        Exception[] failure = new Exception[1];
        commandLine.setExecutionExceptionHandler((e, cl, parsed) -> {
            failure[0] = e;
            return e instanceof VllavaException v ? v.failure().exitCode() : 1;
        });
        int code = commandLine.execute(args);
        return new Run(code, out.toString(), failure[0]);
    }

    @Test
    void printsIdsOfText() {
        Run run = run("", "--model", REALVOCAB, "Hello world");
        assertEquals(0, run.exitCode());
        assertEquals("1 15043 3186\n", run.stdout());
    }

    @Test
    void specialTokensInTextBecomeTheirIds() {
        Run run = run("", "--model", REALVOCAB, "USER: <video>\nWhy?</s>");
        assertEquals("1 3148 1001 29901 29871 32001 29871 13 11008 29973 2\n", run.stdout());
    }

    @Test
    void noSpecialDropsBos() {
        assertEquals("15043 3186\n", run("", "--model", REALVOCAB, "--no-special", "Hello world").stdout());
    }

    @Test
    void eachStdinLineIsOneInput() {
        Run run = run("Hello world\nYes\n", "--model", REALVOCAB);
        assertEquals("1 15043 3186\n1 3869\n", run.stdout());
        assertEquals(run.stdout(), run("Hello world\nYes\n", "--model", REALVOCAB, "-").stdout());
    }

    @Test
    void tokensShowsThePieces() {
        Run run = run("", "--model", TINY_A, "--tokens", "USER: <video>\nWhat");
        assertEquals("<s> ▁U S ER : ▁ <video> ▁ <0x0A> W h at\n", run.stdout());
    }

    @Test
    void decodeTurnsIdsBackIntoText() {
        assertEquals("<s> Hello world\n", run("", "--model", REALVOCAB, "--decode", "1 15043 3186").stdout());
        assertEquals("Hello world\n",
                run("", "--model", REALVOCAB, "--decode", "--skip-special", "1, 15043, 3186").stdout());
        assertEquals("Hello world\nYes\n",
                run("1 15043 3186\n1 3869\n", "--model", REALVOCAB, "--decode", "--skip-special").stdout());
    }

    @Test
    void jsonlBothWays() {
        String input = """
                {"text": "Hello world", "add_special_tokens": false}
                {"text": "Hello world"}

                {"ids": [1, 15043, 3186], "skip_special_tokens": true}
                {"ids": [1, 15043, 3186]}
                """;
        Run run = run(input, "--model", REALVOCAB, "--jsonl");
        assertEquals(0, run.exitCode());
        assertEquals("""
                {"ids":[15043,3186]}
                {"ids":[1,15043,3186]}
                {"text":"Hello world"}
                {"text":"<s> Hello world"}
                """, run.stdout());
    }

    @Test
    void onlyTokenizerFilesAreNeeded(@TempDir Path dir) throws Exception {
        Files.copy(Path.of(TINY_A, "tokenizer.model"), dir.resolve("tokenizer.model"));
        Files.copy(Path.of(TINY_A, "tokenizer_config.json"), dir.resolve("tokenizer_config.json"));
        assertEquals("1 719 946 440 980\n", run("", "--model", dir.toString(), "USER:").stdout());
    }

    @Test
    void missingModelDirectoryIsACheckpointError(@TempDir Path dir) {
        Run run = run("", "--model", dir.resolve("absent").toString(), "Hi");
        assertEquals(4, run.exitCode());
        assertInstanceOf(VllavaException.class, run.failure());
    }

    @Test
    void directoryWithoutTokenizerIsACheckpointError(@TempDir Path dir) {
        Run run = run("", "--model", dir.toString(), "Hi");
        assertEquals(4, run.exitCode());
        assertTrue(run.failure().getMessage().contains("no tokenizer.json or tokenizer.model"));
    }

    @Test
    void corruptTokenizerFileIsACheckpointError(@TempDir Path dir) throws Exception {
        Files.writeString(dir.resolve("tokenizer.json"), "not json");
        assertEquals(4, run("", "--model", dir.toString(), "Hi").exitCode());
    }

    @Test
    void idOutsideTheVocabularyIsAUsageError() {
        // The user typed the id: a bad one is their value, not a broken checkpoint (issue #11).
        Run run = run("", "--model", TINY_A, "--decode", "1 5000");
        assertEquals(2, run.exitCode());
        assertEquals(Failure.USAGE, ((VllavaException) run.failure()).failure());
        assertTrue(run.failure().getMessage().contains("token id 5000 is outside the vocabulary"), run.failure().getMessage());
        assertEquals(2, run("{\"ids\": [-1]}\n", "--model", TINY_A, "--jsonl").exitCode(), "in --jsonl too");
    }

    @Test
    void badJsonLineIsAUsageError() {
        Run run = run("{\"text\": \"ok\"}\n{oops\n", "--model", REALVOCAB, "--jsonl");
        assertEquals(2, run.exitCode());
        assertTrue(run.failure().getMessage().startsWith("input line 2"), run.failure().getMessage());
        assertEquals("{\"ids\":[1,3431]}\n", run.stdout(), "lines before the bad one are answered");
    }

    @Test
    void mainReportsErrorsInOneLineWithTheExitCode(@TempDir Path dir) {
        PrintStream savedErr = System.err;
        ByteArrayOutputStream err = new ByteArrayOutputStream();
        System.setErr(new PrintStream(err, true, StandardCharsets.UTF_8));
        try {
            int code = Main.run("tokenize", "--model", dir.resolve("absent").toString(), "Hi");
            assertEquals(4, code);
        } finally {
            System.setErr(savedErr);
        }
        String message = err.toString(StandardCharsets.UTF_8);
        assertTrue(message.startsWith("vllava: error: "), message);
        assertEquals(1, message.lines().count(), message);
    }
}
