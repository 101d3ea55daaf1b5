package dev.vllava.cuda;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import org.junit.jupiter.api.Test;

/**
 * The kernels' sources are the one source of their tile sizes and block shapes: each constant that
 * {@link Launch} needs to size a grid must equal what the .cu file defines or bounds, or a launch would
 * cover the wrong rows without any error.
 */
class LaunchConstantsTest {
    private static final Path SOURCES = Path.of("src/main/cuda");

    @Test
    void attentionTilesAndBlockMatchTheKernel() throws IOException {
        String attention = Files.readString(SOURCES.resolve("attention.cu"));
        assertEquals(Launch.KEY_TILE, define(attention, "KEY_TILE"));
        assertEquals(Launch.QUERY_ROWS, define(attention, "QUERY_ROWS"));
        assertEquals(List.of(Launch.ATTENTION_THREADS), launchBounds(attention), "flash attention and decode blocks");
    }

    @Test
    void gemvBatchAndBlockMatchTheKernel() throws IOException {
        String gemv = Files.readString(SOURCES.resolve("gemv.cu"));
        assertEquals(Launch.GEMV_MAX_BATCH, define(gemv, "GEMV_MAX_BATCH"));
        assertEquals(List.of(32 * Launch.GEMV_ROWS_PER_BLOCK), launchBounds(gemv), "a warp per output row");
    }

    @Test
    void samplingBlockMatchesTheKernel() throws IOException {
        assertEquals(Launch.SAMPLE_THREADS, define(Files.readString(SOURCES.resolve("sample.cu")), "SAMPLE_THREADS"));
    }

    private static int define(String source, String name) {
        Matcher m = Pattern.compile("#define\\s+" + name + "\\s+(\\d+)").matcher(source);
        assertTrue(m.find(), name + " is not #defined");
        return Integer.parseInt(m.group(1));
    }

    /** The distinct {@code __launch_bounds__} of a file's kernels. */
    private static List<Integer> launchBounds(String source) {
        return Pattern.compile("__launch_bounds__\\((\\d+)\\)").matcher(source).results()
                .map(m -> Integer.parseInt(m.group(1))).distinct().toList();
    }
}
