package dev.vllava.cli;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;
import static org.junit.jupiter.api.Assertions.fail;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.io.InputStream;
import java.io.UncheckedIOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.TimeUnit;

/**
 * Runs the BUILT jar ({@code cli/target/vllava.jar}) as a separate process, as a user would through
 * the {@code ./vllava} launcher: same JVM flags, the environment without VLLAVA_MODEL, stdin from a
 * string. Paths in arguments are relative to the repository root ({@code vllava.home}).
 */
final class CliProcess {
    static final Path HOME = Path.of(System.getProperty("vllava.home", "..")).toAbsolutePath().normalize();
    static final Path JAR = HOME.resolve("cli/target/vllava.jar");
    private static final long TIMEOUT_SECONDS = 600;

    record Result(int exitCode, String out, String err) {
        /** stderr without the JVM's unavoidable incubator-module notice (see docs/cli.md). */
        String errLines() {
            return err.lines().filter(line -> !line.startsWith("WARNING: Using incubator modules")).reduce("", (a, b) -> a + b + "\n");
        }

        JsonNode json() {
            List<String> lines = out.lines().toList();
            assertTrue(lines.size() == 1, "exactly one JSON line on stdout, got: " + out + "\nstderr: " + err);
            try {
                return new ObjectMapper().readTree(lines.getFirst());
            } catch (IOException e) {
                throw new UncheckedIOException(e);
            }
        }

        String describe() {
            return "exit " + exitCode + "\nstdout: " + out + "\nstderr: " + err;
        }

        /** The documented failure: exit {@code code}, nothing on stdout, one {@code vllava: error:} line naming {@code messagePart}. */
        void assertFailure(int code, String messagePart) {
            assertEquals(code, exitCode, describe());
            assertEquals("", out, "stdout carries answers only");
            List<String> lines = errLines().lines().toList();
            assertEquals(1, lines.size(), "one line on stderr, no stack trace: " + err);
            assertTrue(lines.getFirst().startsWith("vllava: error: "), lines.getFirst());
            assertTrue(lines.getFirst().contains(messagePart), "'" + messagePart + "' in: " + lines.getFirst());
        }
    }

    private CliProcess() {}

    static Path path(String relative) {
        return HOME.resolve(relative);
    }

    static List<String> command(String... args) {
        if (!Files.isRegularFile(JAR)) {
            fail(JAR + " is missing: the end-to-end tests run the packaged jar (mvn verify packages it first)");
        }
        List<String> command = new ArrayList<>(List.of(Path.of(System.getProperty("java.home"), "bin", "java").toString(),
                "--add-modules", "jdk.incubator.vector", "--enable-native-access=ALL-UNNAMED", "-XX:+UseParallelGC", "-XX:MaxNewSize=512m", "-Xss4m",
                "-jar", JAR.toString()));
        command.addAll(List.of(args));
        return command;
    }

    static Process start(String... args) {
        ProcessBuilder builder = new ProcessBuilder(command(args)).directory(HOME.toFile());
        builder.environment().remove("VLLAVA_MODEL");
        try {
            return builder.start();
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
    }

    static Result run(String... args) {
        return runWithInput("", args);
    }

    /**
     * {@code vllava ARGS} run by bash with {@code redirection} after it ({@code "<&-"}, {@code "> /dev/full"},
     * {@code "| head -c 1 > /dev/null"}): what only a shell can set up. The exit code is vllava's.
     */
    static Result runInShell(String redirection, String... args) {
        List<String> command = new ArrayList<>(List.of("bash", "-c", "\"$@\" " + redirection + "; exit ${PIPESTATUS[0]}", "bash"));
        command.addAll(command(args));
        ProcessBuilder builder = new ProcessBuilder(command).directory(HOME.toFile());
        builder.environment().remove("VLLAVA_MODEL");
        try {
            return finish(builder.start(), "", "vllava " + String.join(" ", args) + " " + redirection);
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
    }

    static Result runWithInput(String stdin, String... args) {
        return finish(start(args), stdin, "vllava " + String.join(" ", args));
    }

    /** Writes {@code stdin} to the started process, closes it, and waits for the exit with both outputs. */
    private static Result finish(Process process, String stdin, String description) {
        CompletableFuture<String> out = drain(process.getInputStream());
        CompletableFuture<String> err = drain(process.getErrorStream());
        try {
            process.getOutputStream().write(stdin.getBytes(StandardCharsets.UTF_8));
            process.getOutputStream().close();
            if (!process.waitFor(TIMEOUT_SECONDS, TimeUnit.SECONDS)) {
                process.destroyForcibly();
                fail(description + " did not finish in " + TIMEOUT_SECONDS + " s");
            }
            return new Result(process.exitValue(), out.join(), err.join());
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            throw new IllegalStateException(e);
        }
    }

    static CompletableFuture<String> drain(InputStream stream) {
        return CompletableFuture.supplyAsync(() -> {
            try (stream) {
                ByteArrayOutputStream bytes = new ByteArrayOutputStream();
                stream.transferTo(bytes);
                return bytes.toString(StandardCharsets.UTF_8);
            } catch (IOException e) {
                throw new UncheckedIOException(e);
            }
        }, task -> Thread.ofPlatform().daemon().start(task)); // not the common pool: it has one thread on 2 cores
    }
}
