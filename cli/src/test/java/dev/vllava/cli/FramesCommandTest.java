package dev.vllava.cli;

import dev.vllava.Failure;
import dev.vllava.VllavaException;
import dev.vllava.checkpoint.SafeTensorsFile;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import picocli.CommandLine;

import javax.imageio.ImageIO;
import java.awt.image.BufferedImage;
import java.io.PrintWriter;
import java.io.StringWriter;
import java.nio.file.Files;
import java.nio.file.Path;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertInstanceOf;
import static org.junit.jupiter.api.Assertions.assertTrue;

/** {@code vllava frames} run in-JVM through picocli, stdout captured. */
class FramesCommandTest {
    private static final Path TINY = Path.of("..", "testdata", "tiny-a");

    @TempDir
    Path dir;

    private record Run(int exitCode, String stdout, Exception failure) {}

    private static Run run(String... args) {
        StringWriter out = new StringWriter();
        CommandLine commandLine = new CommandLine(new FramesCommand(new PrintWriter(out)));
        Exception[] failure = new Exception[1];
        commandLine.setExecutionExceptionHandler((e, cl, parsed) -> {
            failure[0] = e;
            return e instanceof VllavaException v ? v.failure().exitCode() : 1;
        });
        int code = commandLine.execute(args);
        return new Run(code, out.toString(), failure[0]);
    }

    @Test
    void videoFramesAreWrittenAndIndicesPrinted() throws Exception {
        Run run = run(TINY.resolve("inputs/video.mp4").toString(), "--model", TINY.resolve("model").toString(),
                "--out", dir.toString());
        assertEquals(0, run.exitCode(), String.valueOf(run.failure()));
        assertEquals("0 10 21 31 42 52 63 74\n", run.stdout());
        for (int i = 0; i < 8; i++) {
            BufferedImage frame = ImageIO.read(dir.resolve(String.format("frame-%02d.png", i)).toFile());
            assertEquals(224, frame.getWidth());
            assertEquals(224, frame.getHeight());
        }
        BufferedImage sheet = ImageIO.read(dir.resolve("contact-sheet.png").toFile());
        assertTrue(sheet.getWidth() > 4 * 224 && sheet.getHeight() > 2 * 224, "4 x 2 grid with captions");
        try (SafeTensorsFile pixels = SafeTensorsFile.open(dir.resolve("pixels.safetensors"));
             SafeTensorsFile golden = SafeTensorsFile.open(TINY.resolve("golden-video-pixels.safetensors"))) {
            assertArrayEquals(new long[] {8, 3, 224, 224}, pixels.shape("pixel_values"));
            assertArrayEquals(golden.floats("videos.clip.pixel_values_videos"), pixels.floats("pixel_values"),
                    "the written pixel values are the reference processor's output");
        }
    }

    @Test
    void imageGivesOneFrameAtTheRequestedSize() throws Exception {
        Run run = run(TINY.resolve("inputs/image.png").toString(), "--size", "112", "--out", dir.toString());
        assertEquals(0, run.exitCode(), String.valueOf(run.failure()));
        assertEquals("0\n", run.stdout());
        assertEquals(112, ImageIO.read(dir.resolve("frame-00.png").toFile()).getWidth());
        assertTrue(Files.exists(dir.resolve("contact-sheet.png")));
        try (SafeTensorsFile pixels = SafeTensorsFile.open(dir.resolve("pixels.safetensors"))) {
            assertArrayEquals(new long[] {1, 3, 112, 112}, pixels.shape("pixel_values"));
        }
    }

    @Test
    void rerunWithFewerFramesRemovesStaleFramePngs() throws Exception {
        run(TINY.resolve("inputs/video.mp4").toString(), "--size", "32", "--out", dir.toString());
        assertTrue(Files.exists(dir.resolve("frame-07.png")));
        Files.writeString(dir.resolve("notes.txt"), "mine");
        run(TINY.resolve("inputs/image.png").toString(), "--size", "32", "--out", dir.toString());
        assertTrue(Files.exists(dir.resolve("frame-00.png")));
        assertTrue(!Files.exists(dir.resolve("frame-01.png")) && !Files.exists(dir.resolve("frame-07.png")));
        assertTrue(Files.exists(dir.resolve("notes.txt")), "other files are left alone");
    }

    @Test
    void framesOptionChangesTheSampling() {
        Run run = run(TINY.resolve("inputs/video.mp4").toString(), "--frames", "3", "--size", "32",
                "--out", dir.toString());
        assertEquals("0 37 74\n", run.stdout());
    }

    @Test
    void missingFileIsAMediaErrorWithNothingOnStdout() {
        Run run = run(dir.resolve("absent.mp4").toString(), "--out", dir.resolve("o").toString());
        assertEquals(Failure.MEDIA.exitCode(), run.exitCode());
        assertInstanceOf(VllavaException.class, run.failure());
        assertTrue(run.failure().getMessage().contains("absent.mp4"), run.failure().getMessage());
        assertEquals("", run.stdout());
    }

    @Test
    void modelAndSizeTogetherAreAUsageError() {
        Run run = run(TINY.resolve("inputs/image.png").toString(), "--model", TINY.resolve("model").toString(),
                "--size", "64", "--out", dir.toString());
        assertEquals(Failure.USAGE.exitCode(), run.exitCode());
    }
}
