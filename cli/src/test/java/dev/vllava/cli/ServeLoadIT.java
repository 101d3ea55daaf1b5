package dev.vllava.cli;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assumptions.assumeTrue;

import com.fasterxml.jackson.databind.node.ObjectNode;
import java.io.IOException;
import java.nio.file.StandardOpenOption;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.concurrent.ConcurrentSkipListMap;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * The measurements behind README's serve figures, run by {@code make serve-load} (minutes of both cores, so
 * not part of {@code make test}; skipped unless {@code -Dserve.load=full}). Results go to stdout and
 * {@code cli/target/serve-load.txt}.
 */
class ServeLoadIT {
    private static final Path REPORT = CliProcess.path("cli/target/serve-load.txt");
    private static final int CLIENTS = Integer.getInteger("serve.load.clients", 32);
    private static final int REQUESTS = Integer.getInteger("serve.load.requests", 500);
    private static final int BATCH_TOKENS = Integer.getInteger("serve.load.tokens", 96);

    private static void report(String line) throws IOException {
        System.out.println(line);
        Files.writeString(REPORT, line + "\n", StandardOpenOption.CREATE, StandardOpenOption.APPEND);
    }

    private static void requireFullRun() {
        assumeTrue("full".equals(System.getProperty("serve.load")), "the serve load test runs with -Dserve.load=full (make serve-load)");
    }

    /** 32 clients, 500 requests over the 62 bench items: every one answered, as when sent alone; memory flat. */
    @Test
    void loadOfMixedMediaIsAnsweredCompletelyAndAsSequentially() throws Exception {
        requireFullRun();
        List<ObjectNode> distinct = ServeLoad.benchRequests(Integer.MAX_VALUE, 16);
        try (ServeProcess server = ServeProcess.start(Map.of(), "--model", "testdata/shapes/model")) {
            ServeLoad.Report sequential = ServeLoad.run(server, distinct, 1, done -> {});
            List<ObjectNode> load = new ArrayList<>();
            for (int i = 0; i < REQUESTS; i++) {
                load.add(distinct.get(i % distinct.size()));
            }
            Map<Integer, Long> rssKb = new ConcurrentSkipListMap<>();
            ServeLoad.Report concurrent = ServeLoad.run(server, load, CLIENTS, done -> {
                if (done % 50 == 0) {
                    rssKb.put(done, server.rssKb());
                }
            });
            int failed = 0;
            int different = 0;
            for (int i = 0; i < load.size(); i++) {
                ServeLoad.Outcome outcome = concurrent.outcomes()[i];
                failed += outcome.status() == 200 ? 0 : 1;
                different += outcome.content().equals(sequential.outcomes()[i % distinct.size()].content()) ? 0 : 1;
            }
            report("serve load: " + concurrent.summary() + String.format(Locale.ROOT, "; %d failed, %d answers differ from sequential", failed, different));
            report("serve load: sequential reference " + sequential.summary());
            report("serve load: RSS MB after N requests " + rssKb.entrySet().stream()
                    .map(e -> e.getKey() + ":" + e.getValue() / 1024).toList());
            assertEquals(0, failed, "failed or lost requests");
            assertEquals(0, different, "answers that differ from the sequential ones");
        }
    }

    /** Decode throughput of 8 concurrent streams against 1, on a mid-size model (zero weights: the compute is real). */
    @Test
    void continuousBatchingThroughput(@TempDir Path dir) throws Exception {
        requireFullRun();
        Path model = ZeroWeightModel.write(dir, 1024, 2816, 12, 16);
        double single;
        double batched;
        double unbatched;
        try (ServeProcess server = ServeProcess.start(Map.of(), "--model", model.toString())) {
            ServeLoad.run(server, streams(1, 8), 1, done -> {}); // warm-up: JIT
            single = tokensPerSecond(ServeLoad.run(server, streams(1, BATCH_TOKENS), 1, done -> {}));
            batched = tokensPerSecond(ServeLoad.run(server, streams(8, BATCH_TOKENS), 8, done -> {}));
        }
        try (ServeProcess server = ServeProcess.start(Map.of(), "--model", model.toString(), "--max-batch", "1")) {
            ServeLoad.run(server, streams(1, 8), 1, done -> {});
            unbatched = tokensPerSecond(ServeLoad.run(server, streams(8, BATCH_TOKENS), 8, done -> {}));
        }
        report(String.format(Locale.ROOT, "serve batching (Llama 1024 hidden x 12 layers, F16, %d tokens per stream): "
                + "1 stream %.1f tokens/s; 8 streams %.1f tokens/s (x%.2f); 8 streams with --max-batch 1 %.1f tokens/s",
                BATCH_TOKENS, single, batched, batched / single, unbatched));
    }

    private static List<ObjectNode> streams(int count, int tokens) {
        List<ObjectNode> requests = new ArrayList<>();
        for (int i = 0; i < count; i++) {
            ObjectNode body = ServeProcess.JSON.createObjectNode();
            body.putArray("messages").addObject().put("role", "user").put("content", "Count from " + i + " on.");
            body.put("max_tokens", tokens);
            requests.add(body);
        }
        return requests;
    }

    private static double tokensPerSecond(ServeLoad.Report report) {
        long tokens = 0;
        for (ServeLoad.Outcome outcome : report.outcomes()) {
            assertEquals(200, outcome.status(), outcome.content());
            tokens += outcome.completionTokens();
        }
        return tokens / report.wallSeconds();
    }
}
