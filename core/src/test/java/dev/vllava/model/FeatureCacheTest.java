package dev.vllava.model;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertNotNull;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.vllava.checkpoint.quant.LoadQuantization;
import dev.vllava.checkpoint.quant.QuantScheme;
import dev.vllava.checkpoint.quant.QuantTargets;
import dev.vllava.engine.Engine;
import dev.vllava.engine.cpu.CpuEngine;
import dev.vllava.generate.GenerationOptions;
import dev.vllava.generate.SamplingOptions;
import dev.vllava.generate.TokenListener;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.HashSet;
import java.util.HexFormat;
import java.util.List;
import java.util.Set;
import java.util.stream.Stream;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.TestInstance;
import org.junit.jupiter.api.io.TempDir;

/** Visual features kept on disk: a hit gives the computed features' answer; damaged or foreign entries are rewritten; the folder stays bounded. */
@TestInstance(TestInstance.Lifecycle.PER_CLASS)
class FeatureCacheTest {
    private GoldenData golden;
    private Engine engine;
    private LoadedVideoLlava tinyA;
    private VisualInput video;
    private GenerationOptions options;

    @BeforeAll
    void load() {
        golden = GoldenData.tinyA();
        engine = new CpuEngine(2);
        tinyA = LoadedVideoLlava.load(golden.modelDir(), engine);
        video = VisualInput.video(golden.floats("videos.clip.pixel_values_videos"), 8);
        options = tinyA.options(6, SamplingOptions.GREEDY);
    }

    @AfterAll
    void close() {
        tinyA.model().useFeatureCache(null);
        tinyA.close();
        engine.close();
        golden.close();
    }

    private Answer ask(VisualInput medium) {
        return ask(tinyA, medium);
    }

    private Answer ask(LoadedVideoLlava pipeline, VisualInput medium) {
        return pipeline.answer(pipeline.prepare(ChatTemplate.firstTurn(null, 0, 1, "What happens?"), List.of(medium)), options, TokenListener.NONE);
    }

    private static List<Path> entries(Path dir) throws Exception {
        try (Stream<Path> files = Files.list(dir)) {
            return files.filter(f -> f.toString().endsWith(".feat")).toList();
        }
    }

    @Test
    void aCachedVideoGivesTheComputedAnswer(@TempDir Path dir) throws Exception {
        tinyA.model().useFeatureCache(null);
        Answer computed = ask(video);
        tinyA.useFeatureCache(dir, FeatureCache.DEFAULT_MAX_BYTES);
        assertArrayEquals(computed.tokenIds(), ask(video).tokenIds(), "first run stores");
        assertEquals(1, entries(dir).size());
        assertArrayEquals(computed.tokenIds(), ask(video).tokenIds(), "second run reads");
        FeatureCache cache = new FeatureCache(dir, FeatureCache.DEFAULT_MAX_BYTES, FeatureCache.fingerprint(golden.modelDir()));
        FeatureCache.Entry stored = cache.load(cache.key(video, VisualTokenBudget.ALL), tinyA.model().config().text().hiddenSize());
        cache.store(cache.key(video, VisualTokenBudget.ALL), stored.rows(), stored.columns(), new float[stored.values().length]);
        assertFalse(java.util.Arrays.equals(computed.tokenIds(), ask(video).tokenIds()),
                "zeroed features stored under the key change the answer: the entry is read, not recomputed");
    }

    @Test
    void damagedOrForeignEntriesAreIgnoredAndRewritten(@TempDir Path dir) throws Exception {
        tinyA.model().useFeatureCache(null);
        Answer computed = ask(video);
        FeatureCache cache = new FeatureCache(dir, FeatureCache.DEFAULT_MAX_BYTES, FeatureCache.fingerprint(golden.modelDir()));
        tinyA.model().useFeatureCache(cache);
        ask(video);
        Path entry = entries(dir).getFirst();
        byte[] good = Files.readAllBytes(entry);
        byte[] flipped = good.clone();
        flipped[good.length / 2] ^= 1;
        Files.write(entry, flipped);
        int columns = tinyA.model().config().text().hiddenSize();
        assertNull(cache.load(cache.key(video, VisualTokenBudget.ALL), columns), "a flipped bit fails the checksum");
        assertArrayEquals(computed.tokenIds(), ask(video).tokenIds(), "recomputed");
        assertArrayEquals(good, Files.readAllBytes(entry), "and rewritten");

        Files.write(entry, java.util.Arrays.copyOf(good, good.length - 100));
        assertNull(cache.load(cache.key(video, VisualTokenBudget.ALL), columns), "a short file");
        FeatureCache otherModel = new FeatureCache(dir, FeatureCache.DEFAULT_MAX_BYTES, new byte[] {1, 2, 3});
        Files.write(entry, good);
        Files.move(entry, dir.resolve(HexFormat.of().formatHex(otherModel.key(video, VisualTokenBudget.ALL)) + ".feat"));
        assertNull(otherModel.load(otherModel.key(video, VisualTokenBudget.ALL), columns), "another key's entry under this key's name");
        assertNull(cache.load(cache.key(video, VisualTokenBudget.ALL), columns), "this key's entry is gone");
    }

    @Test
    void leastRecentlyUsedEntriesLeaveABoundedFolder(@TempDir Path dir) throws Exception {
        float[] otherPixels = golden.floats("videos.clip.pixel_values_videos").clone();
        otherPixels[0] += 1;
        VisualInput other = VisualInput.video(otherPixels, 8);
        tinyA.useFeatureCache(dir, 1);
        ask(video);
        ask(other);
        List<Path> left = entries(dir);
        assertEquals(0, left.size(), "a bound below one entry keeps none");
        tinyA.useFeatureCache(dir, 1L << 30);
        ask(video);
        long oneEntry = Files.size(entries(dir).getFirst());
        tinyA.useFeatureCache(dir, oneEntry + oneEntry / 2);
        ask(other);
        left = entries(dir);
        assertEquals(1, left.size(), "the older entry was evicted");
        FeatureCache cache = new FeatureCache(dir, 1L << 30, FeatureCache.fingerprint(golden.modelDir()));
        assertNotNull(cache.load(cache.key(other, VisualTokenBudget.ALL), tinyA.model().config().text().hiddenSize()), "the newest stays");
    }

    @Test
    void aReducedVisualTokenSettingHasItsOwnEntries(@TempDir Path dir) throws Exception {
        tinyA.model().useFeatureCache(null);
        VisualTokenBudget quarter = VisualTokenBudget.parse("25%");
        try (LoadedVideoLlava reduced = LoadedVideoLlava.load(golden.modelDir(), engine, quarter)) {
            Answer computed = ask(reduced, video);
            tinyA.useFeatureCache(dir, FeatureCache.DEFAULT_MAX_BYTES);
            reduced.useFeatureCache(dir, FeatureCache.DEFAULT_MAX_BYTES);
            ask(tinyA, video);
            assertArrayEquals(computed.tokenIds(), ask(reduced, video).tokenIds(), "the reference's entry is not served to 25%");
            assertEquals(2, entries(dir).size(), "one entry per setting");
            FeatureCache cache = new FeatureCache(dir, FeatureCache.DEFAULT_MAX_BYTES, FeatureCache.fingerprint(golden.modelDir()));
            var config = tinyA.model().config();
            assertEquals(quarter.visualTokens(config, List.of(video)),
                    cache.load(cache.key(video, quarter), config.text().hiddenSize()).rows(), "the reduced entry holds the kept rows");
            assertEquals(VisualTokenBudget.ALL.visualTokens(config, List.of(video)),
                    cache.load(cache.key(video, VisualTokenBudget.ALL), config.text().hiddenSize()).rows());
        } finally {
            tinyA.model().useFeatureCache(null);
        }
    }

    @Test
    void weightsQuantizedAtLoadNeverShareTheStoredWeightsEntries() {
        byte[] stored = FeatureCache.fingerprint(golden.modelDir());
        assertArrayEquals(stored, FeatureCache.fingerprint(golden.modelDir(), engine.weightsAtLoad()),
                "an engine that keeps the weights as stored: the checkpoint's own fingerprint");
        Set<String> fingerprints = new HashSet<>();
        fingerprints.add(HexFormat.of().formatHex(stored));
        for (QuantScheme scheme : List.of(new QuantScheme(8, 32), new QuantScheme(4, 32), new QuantScheme(4, 64))) {
            for (QuantTargets targets : List.of(QuantTargets.LANGUAGE_LINEAR, new QuantTargets(true, false))) {
                try (CpuEngine quantizing = new CpuEngine(1, new LoadQuantization(scheme, targets))) {
                    assertTrue(fingerprints.add(HexFormat.of().formatHex(
                            FeatureCache.fingerprint(golden.modelDir(), quantizing.weightsAtLoad()))), scheme + " " + targets);
                }
            }
        }
    }
}
