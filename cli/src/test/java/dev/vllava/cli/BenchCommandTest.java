package dev.vllava.cli;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import java.util.List;
import org.junit.jupiter.api.Test;

/** {@code vllava bench} through Main on the tiny preset: the table and the --json fields, and its errors. */
class BenchCommandTest {
    private static final String[] FAST = {"--synthetic", "tiny", "--bandwidth-buffer-mb", "8", "--prompt-tokens", "12",
            "--decode-tokens", "2", "--frames", "1", "--threads", "2"};

    static CapturedRun vllava(String... args) {
        return CapturedRun.vllava(args);
    }

    private static String[] bench(String... extra) {
        String[] args = new String[1 + FAST.length + extra.length];
        args[0] = "bench";
        System.arraycopy(FAST, 0, args, 1, FAST.length);
        System.arraycopy(extra, 0, args, 1 + FAST.length, extra.length);
        return args;
    }

    @Test
    void jsonHasEveryStageWithPositiveFigures() throws Exception {
        CapturedRun run = vllava(bench("--json"));
        assertEquals(0, run.exitCode(), run.err());
        JsonNode root = new ObjectMapper().readTree(run.out());
        assertEquals("cpu", root.get("backend").asText());
        assertEquals("synthetic tiny", root.get("model").asText());
        assertEquals("F16", root.get("weight_dtype").asText());
        assertEquals(2, root.get("threads").asInt());
        for (String field : List.of("bandwidth_gb_s", "peak_gflops")) {
            assertTrue(root.get("limits").get(field).asDouble() > 0, "limits." + field + " in " + run.out());
        }
        JsonNode vision = root.get("vision");
        assertEquals(1, vision.get("frames").asInt());
        assertEquals(257, vision.get("tokens").asInt());
        for (String field : List.of("ms", "ms_per_frame", "gflop", "achieved_gflops", "fraction_of_peak")) {
            assertTrue(vision.get(field).asDouble() > 0, "vision." + field + " in " + run.out());
        }
        JsonNode prefill = root.get("prefill");
        assertEquals(12, prefill.get("tokens").asInt());
        for (String field : List.of("ms", "tokens_per_second", "gflop", "achieved_gflops", "fraction_of_peak")) {
            assertTrue(prefill.get(field).asDouble() > 0, "prefill." + field + " in " + run.out());
        }
        assertTrue(prefill.get("ttft_ms").isNull(), "measured on CUDA only");
        JsonNode decode = root.get("decode");
        assertEquals(2, decode.get("tokens").asInt());
        for (String field : List.of("ms_per_token", "tokens_per_second", "weight_bytes_per_token", "kv_bytes_per_token",
                "achieved_gb_s", "fraction_of_bandwidth")) {
            assertTrue(decode.get(field).asDouble() > 0, "decode." + field + " in " + run.out());
        }
        assertTrue(decode.get("graph_ms_per_token").isNull(), "CUDA only");
        for (String stage : List.of("vision", "prefill", "decode")) {
            assertTrue(root.get(stage).get("cpu_share").isNumber(), stage + ".cpu_share is measured on the CPU: " + run.out());
        }
        JsonNode memory = root.get("memory");
        for (String field : List.of("heap_peak_bytes", "engine_peak_bytes", "weight_bytes", "resident_peak_bytes")) {
            assertTrue(memory.get(field).asLong() > 0, "memory." + field + " in " + run.out());
        }
        assertTrue(memory.get("device_peak_bytes").isNull(), "no device on the CPU");
        assertTrue(run.err().contains("vllava bench: decode"), "progress goes to stderr: " + run.err());
    }

    @Test
    void quantizedSyntheticWeightsAreTheCodesAndScalesAQuantizedCheckpointHolds() throws Exception {
        ObjectMapper json = new ObjectMapper();
        CapturedRun f16 = vllava(bench("--json"));
        CapturedRun q4 = vllava(bench("--json", "--weights", "q4"));
        assertEquals(0, q4.exitCode(), q4.err());
        JsonNode root = json.readTree(q4.out());
        assertEquals("q4 (int4 g32, F16 scales)", root.get("weight_dtype").asText());
        // tiny's language linear layers, 2 × (3·64·64 + 64·64 + 2·128·64 + 64·128) = 81,920 weights, are 2 bytes each
        // in F16 and 0.5 + 2/32 in q4, made by tiling one quantized block of 2^21 values (2^20 bytes of codes and
        // 2^16 F16 scales); every other tensor is the same in both.
        long quantizedBlock = (1L << 20) + (1L << 16) * 2;
        long f16Bytes = json.readTree(f16.out()).get("memory").get("weight_bytes").asLong();
        assertEquals(f16Bytes - 81_920L * 2 + 81_920L * 9 / 16 + quantizedBlock, root.get("memory").get("weight_bytes").asLong(),
                "q4 holds the codes and scales a quantized checkpoint holds, never the F16 layers");
    }

    @Test
    void tableHasAnAlignedRowPerStage() {
        CapturedRun run = vllava(bench());
        assertEquals(0, run.exitCode(), run.err());
        List<String> lines = run.out().lines().toList();
        assertTrue(lines.getFirst().startsWith("vllava bench: cpu"), run.out());
        assertTrue(lines.get(1).startsWith("limits (measured in this run):"), run.out());
        List<String> rows = lines.stream().filter(l -> l.matches("^(stage|vision|prefill|decode) .*")).toList();
        assertEquals(4, rows.size(), run.out());
        int column = rows.getFirst().indexOf("work");
        for (String row : rows) {
            assertFalse(Character.isWhitespace(row.charAt(column)), "the work column starts at " + column + ":\n" + run.out());
        }
        assertTrue(rows.get(1).contains("GFLOP/s") && rows.get(1).contains("of peak"), rows.get(1));
        assertTrue(rows.get(3).contains("GB/s") && rows.get(3).contains("of bandwidth"), rows.get(3));
        assertTrue(run.out().contains("memory peaks: heap"), run.out());
    }

    @Test
    void cudaWithoutAGpuExitsFiveWithOneLine() {
        CapturedRun run = vllava("bench", "--backend", "cuda", "--synthetic", "7b", "--json");
        assertEquals(5, run.exitCode(), run.err());
        assertEquals("", run.out());
        assertEquals(1, run.err().lines().count(), run.err());
        assertTrue(run.err().startsWith("vllava: error: "), run.err());
    }

    @Test
    void needsExactlyOneWeightSource() {
        assertEquals(2, vllava("bench").exitCode());
        assertEquals(2, vllava("bench", "--synthetic", "tiny", "--model", "x").exitCode());
        CapturedRun unknown = vllava("bench", "--synthetic", "13b");
        assertEquals(2, unknown.exitCode());
        assertTrue(unknown.err().contains("13b"), unknown.err());
    }

    @Test
    void rejectsNonPositiveCountsAndUnknownBackends() {
        assertEquals(2, vllava("bench", "--synthetic", "tiny", "--decode-tokens", "0").exitCode());
        assertEquals(2, vllava("bench", "--synthetic", "tiny", "--backend", "tpu").exitCode());
        CapturedRun tooLong = vllava("bench", "--synthetic", "tiny", "--prompt-tokens", "5000");
        assertEquals(2, tooLong.exitCode());
        assertTrue(tooLong.err().contains("4096"), tooLong.err());
    }
}
