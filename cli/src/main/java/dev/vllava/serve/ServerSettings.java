package dev.vllava.serve;

import java.nio.file.Path;
import java.time.Duration;
import java.util.OptionalInt;

/**
 * How {@code vllava serve} runs: where it listens, what it accepts and how much it takes on at once.
 *
 * @param mediaRoot      the only folder {@code file://} media URLs may point into; null refuses file URLs
 * @param apiKey         the bearer token every {@code /v1/} request must carry; null accepts any request
 * @param maxBatch       most sequences in one decode step (the running batch); empty: the engine's
 *                       {@link dev.vllava.engine.Engine#rowIndependentMatmulRows()}, where batched answers equal single ones
 * @param maxQueue       most requests waiting for a place in the batch; more get 429
 * @param requestTimeout longest a request may take from arrival to its last token
 * @param frames         frames sampled per video, as {@code ask --frames}
 * @param mediaCacheEntries recently seen media whose decoded frames are kept
 * @param prefixCacheEntries media prefixes (visual features and prompt KV blocks) kept for later requests; 0 shares none
 */
public record ServerSettings(String host, int port, Path mediaRoot, String apiKey, OptionalInt maxBatch, int maxQueue,
        Duration requestTimeout, long maxBodyBytes, long maxMediaBytes, double maxVideoSeconds, int frames,
        int mediaCacheEntries, int prefixCacheEntries, Duration shutdownGrace) {

    /** The model name clients pass as {@code model} and {@code GET /v1/models} lists. */
    public static String modelId(Path modelDir) {
        Path name = modelDir.toAbsolutePath().normalize().getFileName();
        return name == null ? "vllava" : name.toString();
    }
}
