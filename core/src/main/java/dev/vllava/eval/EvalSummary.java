package dev.vllava.eval;

import java.time.Duration;

/**
 * The outcome of {@link EvalRunner#run()}.
 *
 * @param shardItems items in this shard of the questions file
 * @param skipped items already in the output file when the run started
 * @param processed items this run wrote (failed ones included)
 * @param errors items this run wrote with an {@code error}
 * @param metrics scores of the whole output file (earlier runs' lines included)
 */
public record EvalSummary(int shardItems, int skipped, int processed, int errors, Duration elapsed,
        Metrics metrics) {}
