package dev.vllava.cli;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.io.IOException;
import java.net.InetAddress;
import java.net.ServerSocket;
import org.junit.jupiter.api.Test;

/** Options that cannot work are refused before anything is loaded or bound: one line, exit 2. */
class ServeCommandTest {
    private static final String MODEL = CliProcess.path("testdata/shapes/model").toString();

    private static CapturedRun serve(String... options) {
        String[] args = new String[options.length + 1];
        args[0] = "serve";
        System.arraycopy(options, 0, args, 1, options.length);
        return CapturedRun.vllava(args);
    }

    private static void assertUsageError(CapturedRun run, String expected) {
        assertEquals(2, run.exitCode(), run.err());
        assertTrue(run.err().contains("vllava: error: ") && run.err().contains(expected), run.err());
    }

    @Test
    void withoutAModelItIsAUsageError() {
        assertUsageError(serve(), "no model");
    }

    @Test
    void impossibleLimitsAreUsageErrors() {
        assertUsageError(serve("--model", MODEL, "--port", "70000"), "--port");
        assertUsageError(serve("--model", MODEL, "--max-batch", "0"), "--max-batch");
        assertUsageError(serve("--model", MODEL, "--max-batch", "65"), "--max-batch must be at most 64");
        assertUsageError(serve("--model", MODEL, "--max-queue", "0"), "--max-queue");
        assertUsageError(serve("--model", MODEL, "--prefix-cache", "-1"), "--prefix-cache");
        assertUsageError(serve("--model", MODEL, "--media-root", "/no/such/folder"), "--media-root");
    }

    @Test
    void anApiKeyVariableThatIsNotSetIsAUsageError() {
        assertUsageError(serve("--model", MODEL, "--api-key-env", "VLLAVA_NO_SUCH_VARIABLE_9F3"), "VLLAVA_NO_SUCH_VARIABLE_9F3");
    }

    @Test
    void aPortInUseIsAUsageError() throws IOException {
        try (ServerSocket taken = new ServerSocket(0, 1, InetAddress.getLoopbackAddress())) {
            assertUsageError(serve("--model", MODEL, "--port", Integer.toString(taken.getLocalPort())), "cannot listen");
        }
    }
}
