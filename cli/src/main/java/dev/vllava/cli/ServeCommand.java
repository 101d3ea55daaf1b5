package dev.vllava.cli;

import dev.vllava.VllavaException;
import dev.vllava.model.LlamaDecoder;
import dev.vllava.serve.ChatServer;
import dev.vllava.serve.ServerSettings;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.net.BindException;
import java.net.InetAddress;
import java.net.UnknownHostException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.OptionalInt;
import java.util.concurrent.Callable;
import java.util.concurrent.CountDownLatch;
import picocli.CommandLine.Command;
import picocli.CommandLine.Mixin;
import picocli.CommandLine.Option;

/**
 * {@code vllava serve}: OpenAI's chat-completions API over HTTP, with continuous batching ({@link ChatServer}).
 * Listens at once ({@code /health} says "loading"), loads the model, serves until SIGTERM or Ctrl-C, then
 * finishes the running requests (up to {@code --shutdown-grace}) and exits.
 */
@Command(name = "serve", mixinStandardHelpOptions = true, sortOptions = false, versionProvider = VersionProvider.class,
        description = {"Serve the model over HTTP with OpenAI's chat-completions API and a page to try it.",
                "POST /v1/chat/completions (text, image_url and video_url parts, streaming), /v1/models,",
                "/health, /metrics, and the page at /.",
                "Binds 127.0.0.1 by default; one line per request goes to stderr."},
        exitCodeListHeading = "%nExit codes:%n",
        exitCodeList = {"1:internal error", "2:usage error (a bad option, the port in use)", "4:checkpoint or tokenizer error",
                "5:the requested backend is unavailable", "130:stopped by Ctrl-C (after the running requests finish)",
                "143:stopped by SIGTERM (after the running requests finish, up to --shutdown-grace)"})
final class ServeCommand implements Callable<Integer> {

    @Mixin
    ModelOptions model;

    @Option(names = "--host", paramLabel = "ADDR", defaultValue = "127.0.0.1",
            description = "Address to listen on (default: ${DEFAULT-VALUE}, this machine only).")
    String host;

    @Option(names = "--port", paramLabel = "N", defaultValue = "8080", description = "Port (default: ${DEFAULT-VALUE}; 0 picks a free one).")
    int port;

    @Option(names = "--media-root", paramLabel = "DIR",
            description = "The only folder file:// media URLs may point into (default: none, file URLs are refused).")
    Path mediaRoot;

    @Option(names = "--api-key-env", paramLabel = "VAR",
            description = "Name of an environment variable holding the API key that requests must send as 'Authorization: Bearer KEY' (default: no key).")
    String apiKeyEnv;

    @Option(names = "--max-batch", paramLabel = "N",
            description = "Most sequences decoded together, at most 64 (default: the engine's exact batch, 8 on the CPU: up to that many, each answer equals single-sequence decoding).")
    Integer maxBatch;

    @Option(names = "--max-queue", paramLabel = "N", defaultValue = "64",
            description = "Most requests waiting for a place in the batch; more get 429 (default: ${DEFAULT-VALUE}).")
    int maxQueue;

    @Option(names = "--request-timeout", paramLabel = "S", defaultValue = "300",
            description = "Seconds a request may take from arrival to its last token (default: ${DEFAULT-VALUE}).")
    int requestTimeoutSeconds;

    @Option(names = "--max-body-mb", paramLabel = "MB", defaultValue = "64", description = "Largest request body (default: ${DEFAULT-VALUE} MB).")
    int maxBodyMb;

    @Option(names = "--max-media-mb", paramLabel = "MB", defaultValue = "48", description = "Largest image or video (default: ${DEFAULT-VALUE} MB).")
    int maxMediaMb;

    @Option(names = "--max-video-seconds", paramLabel = "S", defaultValue = "900", description = "Longest video (default: ${DEFAULT-VALUE} s).")
    int maxVideoSeconds;

    @Option(names = "--media-cache", paramLabel = "N", defaultValue = "8",
            description = "Recently seen media whose decoded frames are kept for reuse (default: ${DEFAULT-VALUE}).")
    int mediaCache;

    @Option(names = "--prefix-cache", paramLabel = "N", defaultValue = "2",
            description = "Media prefixes (visual features and the prompt's KV blocks up to the last medium) kept for requests on the same media; "
                    + "each holds the prefix's keys and values (about 2 GB for a video at 7B); 0 shares none (default: ${DEFAULT-VALUE}).")
    int prefixCache;

    @Option(names = "--shutdown-grace", paramLabel = "S", defaultValue = "30",
            description = "Seconds running requests may take to finish after SIGTERM (default: ${DEFAULT-VALUE}).")
    int shutdownGraceSeconds;

    @Override
    public Integer call() throws InterruptedException {
        ServerSettings settings = settings();
        ChatServer server = listen(settings);
        System.err.printf("vllava serve: listening on http://%s:%d/ (loading the model)%n",
                server.address().getHostString(), server.address().getPort());
        CountDownLatch stopped = new CountDownLatch(1);
        CountDownLatch closed = new CountDownLatch(1);
        Runtime.getRuntime().addShutdownHook(new Thread(() -> {
            stopped.countDown();
            try {
                closed.await(); // the JVM exits only once the requests are finished and the engine is closed
            } catch (InterruptedException e) {
                Thread.currentThread().interrupt();
            }
        }, "vllava-serve-shutdown"));
        try (LoadedModel loaded = LoadedModel.open(model, TerminalProgress.forStderr(), Verbosity.isVerbose())) {
            try { // the server frees its engine memory before the pipeline closes; the outer finally covers a failed load
                server.ready(loaded.pipeline);
                System.err.printf("vllava serve: ready at http://%s:%d/ (model %s, backend %s)%n",
                        server.address().getHostString(), server.address().getPort(), ServerSettings.modelId(model.modelDir), loaded.engine.name());
                stopped.await();
                System.err.println("vllava serve: shutting down");
            } finally {
                server.close();
            }
        } finally {
            server.close();
            closed.countDown();
        }
        return 0;
    }

    private ChatServer listen(ServerSettings settings) {
        try {
            return new ChatServer(settings, ServerSettings.modelId(model.modelDir));
        } catch (BindException e) {
            throw VllavaException.usage("cannot listen on %s:%d: %s", settings.host(), settings.port(), e.getMessage());
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
    }

    private ServerSettings settings() {
        model.validate();
        if (maxBatch != null) {
            requireAtLeast("--max-batch", maxBatch, 1);
            int most = LlamaDecoder.StepLimits.DEFAULT.sequences();
            if (maxBatch > most) {
                throw VllavaException.usage("--max-batch must be at most %d (the sequences one decode step's workspace holds), got %d", most, maxBatch);
            }
        }
        requireAtLeast("--max-queue", maxQueue, 1);
        requireAtLeast("--request-timeout", requestTimeoutSeconds, 1);
        requireAtLeast("--max-body-mb", maxBodyMb, 1);
        requireAtLeast("--max-media-mb", maxMediaMb, 1);
        requireAtLeast("--max-video-seconds", maxVideoSeconds, 1);
        requireAtLeast("--media-cache", mediaCache, 1);
        requireAtLeast("--prefix-cache", prefixCache, 0);
        requireAtLeast("--shutdown-grace", shutdownGraceSeconds, 0);
        if (port < 0 || port > 65535) {
            throw VllavaException.usage("--port must be in 0..65535, got %d", port);
        }
        try {
            InetAddress.getByName(host);
        } catch (UnknownHostException e) {
            throw VllavaException.usage("--host %s: unknown address", host);
        }
        if (mediaRoot != null && !Files.isDirectory(mediaRoot)) {
            throw VllavaException.usage("--media-root %s: not a folder", mediaRoot);
        }
        return new ServerSettings(host, port, mediaRoot, apiKey(), maxBatch == null ? OptionalInt.empty() : OptionalInt.of(maxBatch), maxQueue, Duration.ofSeconds(requestTimeoutSeconds),
                maxBodyMb * (1L << 20), maxMediaMb * (1L << 20), maxVideoSeconds, model.frames, mediaCache, prefixCache,
                Duration.ofSeconds(shutdownGraceSeconds));
    }

    /** The key from the variable {@code --api-key-env} names (the key itself never appears on a command line). */
    private String apiKey() {
        if (apiKeyEnv == null) {
            return null;
        }
        String key = System.getenv(apiKeyEnv);
        if (key == null || key.isBlank()) {
            throw VllavaException.usage("--api-key-env %s: the variable is not set or empty", apiKeyEnv);
        }
        return key.trim();
    }

    private static void requireAtLeast(String option, int value, int least) {
        if (value < least) {
            throw VllavaException.usage("%s must be at least %d, got %d", option, least, value);
        }
    }
}
