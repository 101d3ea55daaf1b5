package dev.vllava.serve;

import java.util.Locale;

/** A Prometheus histogram: cumulative bucket counts, sum and count, written in the text exposition format. */
final class Histogram {
    private final String name;
    private final String help;
    private final double[] bounds;
    private final long[] counts;
    private long count;
    private double sum;

    Histogram(String name, String help, double... bounds) {
        this.name = name;
        this.help = help;
        this.bounds = bounds.clone();
        this.counts = new long[bounds.length];
    }

    synchronized void observe(double value) {
        for (int i = 0; i < bounds.length; i++) {
            if (value <= bounds[i]) {
                counts[i]++;
            }
        }
        count++;
        sum += value;
    }

    synchronized void writeTo(StringBuilder out) {
        out.append("# HELP ").append(name).append(' ').append(help).append('\n');
        out.append("# TYPE ").append(name).append(" histogram\n");
        for (int i = 0; i < bounds.length; i++) {
            out.append(String.format(Locale.ROOT, "%s_bucket{le=\"%s\"} %d%n", name, bound(bounds[i]), counts[i]));
        }
        out.append(String.format(Locale.ROOT, "%s_bucket{le=\"+Inf\"} %d%n", name, count));
        out.append(String.format(Locale.ROOT, "%s_sum %s%n", name, sum));
        out.append(String.format(Locale.ROOT, "%s_count %d%n", name, count));
    }

    private static String bound(double value) {
        return value == Math.rint(value) ? Long.toString((long) value) : Double.toString(value);
    }
}
