package dev.vllava.tokenizer;

import java.nio.file.Files;
import java.nio.file.Path;

/**
 * Settings that keep DJL's tokenizers binding offline and quiet. DJL extracts the Rust {@code tokenizers} library
 * bundled in its jar (linux-x86_64, cpu) to a cache folder and loads it; without these settings it may probe for a
 * CUDA flavour and try to download it, and it "calls home" with telemetry. Must run before any DJL class loads.
 *
 * <ul>
 *   <li>{@code ai.djl.offline=true}: never download; always the cpu flavour from the jar.
 *   <li>{@code OPT_OUT_TRACKING=true}: no telemetry.
 *   <li>{@code ENGINE_CACHE_DIR}: where the library is extracted, {@code ~/.cache/vllava/djl} (or
 *       {@code java.io.tmpdir/vllava-djl-<user>} when the home folder is not writable), unless the user set
 *       {@code ENGINE_CACHE_DIR} or {@code DJL_CACHE_DIR} already (as a system property or environment variable).
 *   <li>DJL's loggers at error level for slf4j-simple (its GPU probe warns when it finds a CUDA runtime without a
 *       matching driver, and it logs the extraction at info), unless the log level is debug ({@code -v}).
 * </ul>
 */
final class DjlNative {
    private static boolean configured;

    private DjlNative() {}

    static synchronized void configure() {
        if (configured) {
            return;
        }
        configured = true;
        setIfAbsent("ai.djl.offline", "true");
        setIfAbsent("OPT_OUT_TRACKING", "true");
        if (!"debug".equals(System.getProperty("org.slf4j.simpleLogger.defaultLogLevel"))) {
            setIfAbsent("org.slf4j.simpleLogger.log.ai.djl", "error");
        }
        if (isUnset("ENGINE_CACHE_DIR") && isUnset("DJL_CACHE_DIR")) {
            System.setProperty("ENGINE_CACHE_DIR", cacheDir().toString());
        }
    }

    private static Path cacheDir() {
        Path home = Path.of(System.getProperty("user.home", "."));
        Path cache = home.resolve(".cache");
        if (Files.isWritable(home) || Files.isWritable(cache)) {
            return cache.resolve("vllava").resolve("djl");
        }
        return Path.of(System.getProperty("java.io.tmpdir"))
                .resolve("vllava-djl-" + System.getProperty("user.name", "user"));
    }

    private static boolean isUnset(String key) {
        return System.getProperty(key) == null && System.getenv(key) == null;
    }

    private static void setIfAbsent(String key, String value) {
        if (isUnset(key)) {
            System.setProperty(key, value);
        }
    }
}
