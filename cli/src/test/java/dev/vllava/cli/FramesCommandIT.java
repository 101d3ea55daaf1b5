package dev.vllava.cli;

import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

/** The packaged jar as a process: stdout carries only the indices, stderr only one error line. */
class FramesCommandIT {
    private static final Path HOME = Path.of(System.getProperty("vllava.home", ".."));

    @TempDir
    Path dir;

    private record Result(int exitCode, String stdout, List<String> stderr) {}

    private static Result vllava(String... args) throws IOException, InterruptedException {
        List<String> command = new ArrayList<>(List.of(
                Path.of(System.getProperty("java.home"), "bin", "java").toString(),
                "--add-modules", "jdk.incubator.vector", "--enable-native-access=ALL-UNNAMED",
                "-jar", HOME.resolve("cli/target/vllava.jar").toString()));
        command.addAll(List.of(args));
        Process process = new ProcessBuilder(command).start();
        String out = new String(process.getInputStream().readAllBytes(), StandardCharsets.UTF_8);
        List<String> err = new String(process.getErrorStream().readAllBytes(), StandardCharsets.UTF_8).lines()
                .filter(line -> !line.startsWith("WARNING: Using incubator modules"))
                .toList();
        return new Result(process.waitFor(), out, err);
    }

    @Test
    void videoPrintsIndicesAndNothingElse() throws Exception {
        Result r = vllava("frames", HOME.resolve("testdata/tiny-a/inputs/video.mp4").toString(),
                "--model", HOME.resolve("testdata/tiny-a/model").toString(), "--out", dir.toString());
        assertEquals(0, r.exitCode(), String.join("\n", r.stderr()));
        assertEquals("0 10 21 31 42 52 63 74\n", r.stdout());
        assertEquals(List.of(), r.stderr(), "FFmpeg and JavaCV stay silent");
    }

    @Test
    void badFilesGiveOneErrorLineAndExitCode3() throws Exception {
        Path text = Files.writeString(dir.resolve("notes.mp4"), "not a video\n");
        byte[] mp4 = Files.readAllBytes(HOME.resolve("testdata/tiny-a/inputs/video.mp4"));
        Path cut = Files.write(dir.resolve("cut.mp4"), java.util.Arrays.copyOf(mp4, mp4.length / 2));
        for (Path bad : List.of(text, cut, dir.resolve("absent.mp4"))) {
            Result r = vllava("frames", bad.toString(), "--out", dir.resolve("out").toString());
            assertEquals(3, r.exitCode(), bad + ": " + r.stderr());
            assertEquals("", r.stdout());
            assertEquals(1, r.stderr().size(), "one line: " + r.stderr());
            assertTrue(r.stderr().get(0).startsWith("vllava: error: " + bad + ": "), r.stderr().get(0));
        }
    }
}
