package dev.vllava.cli;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.io.IOException;
import java.io.InputStream;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.Assumptions;
import org.junit.jupiter.api.Test;

/** Ctrl-C while the answer streams: exit 130, nothing on stderr (no stack trace, no message). */
class InterruptIT {

    @Test
    void interruptDuringStreamingExitsWith130Quietly() throws Exception {
        // tiny-a is a random model: it streams for many seconds before it happens to emit </s>
        Process process = CliProcess.start("ask", "--model", "testdata/tiny-a/model", "--backend", "cpu",
                "--image", "testdata/tiny-a/inputs/image.png", "--max-new-tokens", "3000", "Describe the image.");
        process.getOutputStream().close();
        CompletableFuture<String> err = CliProcess.drain(process.getErrorStream());
        InputStream out = process.getInputStream();
        try {
            assertTrue(out.read() >= 0, "the answer starts streaming");
            Assumptions.assumeFalse(sigintIgnored(process.pid()), "SIGINT is ignored in this environment (background job): nothing to test");
            new ProcessBuilder("kill", "-INT", Long.toString(process.pid())).inheritIO().start().waitFor();
            CompletableFuture<String> rest = CliProcess.drain(out);
            assertTrue(process.waitFor(60, TimeUnit.SECONDS), "vllava stops on SIGINT");
            rest.join();
            assertEquals(130, process.exitValue());
            String stderr = err.join().lines().filter(l -> !l.startsWith("WARNING: Using incubator modules")).reduce("", String::concat);
            assertEquals("", stderr, "quiet on Ctrl-C");
        } finally {
            process.destroyForcibly();
        }
    }

    /** Whether the process ignores SIGINT (bit 1 of SigIgn), as background jobs of a non-interactive shell do. */
    private static boolean sigintIgnored(long pid) throws IOException {
        for (String line : Files.readAllLines(Path.of("/proc/" + pid + "/status"))) {
            if (line.startsWith("SigIgn:")) {
                return (Long.parseLong(line.substring(7).strip(), 16) & 0b10) != 0;
            }
        }
        return false;
    }
}
