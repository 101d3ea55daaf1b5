package dev.vllava.cli;

import dev.vllava.bench.BenchReport;
import java.util.ArrayList;
import java.util.List;
import java.util.Locale;

/** The human form of a {@link BenchReport}: a header, one aligned row per stage, a memory line. */
final class BenchTable {
    private BenchTable() {}

    static String render(BenchReport r) {
        StringBuilder out = new StringBuilder();
        String threads = r.threads() == null ? "" : " · " + r.threads() + " threads";
        out.append(String.format(Locale.ROOT, "vllava bench: %s · %s%s · %s (%s weights)%n", r.backend(), r.device(), threads,
                r.model(), r.weightDtype()));
        BenchReport.Limits limits = r.limits();
        out.append(String.format(Locale.ROOT, "limits (measured in this run): bandwidth %.2f GB/s [%s]; peak %.1f GFLOP/s [%s]%n%n",
                limits.bandwidthGBps(), limits.bandwidth(), limits.peakGflops(), limits.peak()));

        List<String[]> rows = new ArrayList<>();
        rows.add(new String[] {"stage", "work", "time", "throughput", "achieved", "of limit", "cpu share"});
        BenchReport.Vision v = r.vision();
        rows.add(new String[] {"vision", plural(v.frames(), "frame") + ", " + v.tokens() + " tokens",
                ms(v.msPerFrame()) + "/frame", rate(v.tokens() / (v.ms() * 1e-3)) + " tokens/s",
                gflops(v.achievedGflops()), percent(v.fractionOfPeak()) + " of peak", share(v.cpuShare())});
        BenchReport.Prefill p = r.prefill();
        rows.add(new String[] {"prefill", p.tokens() + " tokens", ms(p.ms()), rate(p.tokensPerSecond()) + " tokens/s",
                gflops(p.achievedGflops()), percent(p.fractionOfPeak()) + " of peak", share(p.cpuShare())});
        BenchReport.Decode d = r.decode();
        rows.add(new String[] {"decode", plural(d.tokens(), "token") + " after " + d.context() + " cached",
                ms(d.msPerToken()) + "/token", rate(d.tokensPerSecond()) + " tokens/s",
                String.format(Locale.ROOT, d.achievedGBps() >= 1 ? "%.2f GB/s" : "%.4f GB/s", d.achievedGBps()), percent(d.fractionOfBandwidth()) + " of bandwidth",
                share(d.cpuShare())});
        appendAligned(out, rows);

        out.append(String.format(Locale.ROOT, "%nread per decoded token: %s of weights + %s of KV cache%n",
                bytes(d.weightBytesPerToken()), bytes(d.kvBytesPerToken())));
        if (p.ttftMs() != null) {
            out.append(String.format(Locale.ROOT, "time to first token (vision + prefill): %s%n", ms(p.ttftMs())));
        }
        if (d.graphMsPerToken() != null) {
            out.append(String.format(Locale.ROOT, "decode replayed from a CUDA graph: %s/token%n", ms(d.graphMsPerToken())));
        }
        BenchReport.Memory m = r.memory();
        List<String> memory = new ArrayList<>();
        memory.add("heap " + bytes(m.heapPeakBytes()));
        memory.add("engine " + bytes(m.enginePeakBytes()));
        if (m.weightBytes() != null) {
            memory.add("synthetic weights " + bytes(m.weightBytes()));
        }
        if (m.residentPeakBytes() != null) {
            memory.add("resident (VmHWM) " + bytes(m.residentPeakBytes()));
        }
        if (m.devicePeakBytes() != null) {
            memory.add("device " + bytes(m.devicePeakBytes()));
        }
        out.append("memory peaks: ").append(String.join(" · ", memory)).append(System.lineSeparator());
        return out.toString();
    }

    private static void appendAligned(StringBuilder out, List<String[]> rows) {
        int[] widths = new int[rows.getFirst().length];
        for (String[] row : rows) {
            for (int c = 0; c < row.length; c++) {
                widths[c] = Math.max(widths[c], row[c].length());
            }
        }
        for (String[] row : rows) {
            StringBuilder line = new StringBuilder();
            for (int c = 0; c < row.length; c++) {
                // Text columns left-aligned, numbers right-aligned so their digits line up.
                String cell = c < 2 ? String.format("%-" + widths[c] + "s", row[c]) : String.format("%" + widths[c] + "s", row[c]);
                line.append(cell).append(c + 1 < row.length ? "  " : "");
            }
            out.append(line.toString().stripTrailing()).append(System.lineSeparator());
        }
    }

    /** Process CPU time over wall time × threads; "-" where not measured (GPU). */
    private static String share(Double cpuShare) {
        return cpuShare == null ? "-" : String.format(Locale.ROOT, "%.0f%%", 100 * cpuShare);
    }

    private static String plural(int count, String noun) {
        return count + " " + noun + (count == 1 ? "" : "s");
    }

    private static String ms(double ms) {
        return String.format(Locale.ROOT, ms >= 100 ? "%,.0f ms" : "%.2f ms", ms);
    }

    private static String rate(double perSecond) {
        return String.format(Locale.ROOT, perSecond >= 100 ? "%,.0f" : "%.2f", perSecond);
    }

    private static String gflops(double gflops) {
        return String.format(Locale.ROOT, gflops >= 1 ? "%.1f GFLOP/s" : "%.4f GFLOP/s", gflops);
    }

    private static String percent(double fraction) {
        return String.format(Locale.ROOT, fraction >= 0.01 ? "%.1f%%" : "%.3f%%", 100 * fraction);
    }

    static String bytes(long bytes) {
        if (bytes >= 1L << 30) {
            return String.format(Locale.ROOT, "%.2f GiB", bytes / (double) (1L << 30));
        }
        return String.format(Locale.ROOT, "%.1f MiB", bytes / (double) (1L << 20));
    }
}
