package dev.vllava.model;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import dev.vllava.checkpoint.SafeTensorsFile;
import dev.vllava.checkpoint.TensorData;
import dev.vllava.config.VideoLlavaConfig;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.function.Function;

/**
 * The Hugging Face reference outputs for a test case folder ({@code testdata/tiny-a}): golden.json
 * and the golden tensors split over three safetensors files. Shared test fixture: other modules
 * reuse it through the core test-jar.
 */
public final class GoldenData implements AutoCloseable {
    private final Path caseDir;
    private final JsonNode json;
    private final List<SafeTensorsFile> tensorFiles = new ArrayList<>();
    private SafeTensorsFile modelFile;

    private GoldenData(Path caseDir) {
        this.caseDir = caseDir;
        try {
            this.json = new ObjectMapper().readTree(caseDir.resolve("golden.json").toFile());
            try (var files = Files.list(caseDir)) {
                files.filter(f -> f.getFileName().toString().matches("golden.*\\.safetensors")).sorted()
                        .forEach(f -> tensorFiles.add(SafeTensorsFile.open(f)));
            }
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
    }

    /** A reference case folder laid out like {@code /work/shared/golden/<case>} (golden.json, golden*.safetensors, model/). */
    public static GoldenData at(Path caseDir) {
        return new GoldenData(caseDir);
    }

    /** {@code testdata/tiny-a}, found from the module directory (core/, kernels/ or cli/). */
    public static GoldenData tinyA() {
        return new GoldenData(testdata().resolve("tiny-a"));
    }

    public static Path testdata() {
        for (Path candidate : List.of(Path.of("../testdata"), Path.of("testdata"))) {
            if (Files.isDirectory(candidate.resolve("tiny-a"))) {
                return candidate.toAbsolutePath().normalize();
            }
        }
        throw new IllegalStateException("testdata/ not found from " + Path.of("").toAbsolutePath());
    }

    public Path caseDir() {
        return caseDir;
    }

    public Path modelDir() {
        return caseDir.resolve("model");
    }

    public JsonNode json() {
        return json;
    }

    public VideoLlavaConfig config() {
        return VideoLlavaConfig.load(modelDir());
    }

    /** The checkpoint's tensors by name, straight from model.safetensors (mmap, no copy). */
    public synchronized Function<String, TensorData> modelTensors() {
        if (modelFile == null) {
            modelFile = SafeTensorsFile.open(modelDir().resolve("model.safetensors"));
        }
        SafeTensorsFile file = modelFile;
        return name -> file.contains(name) ? file.entry(name).toTensorData() : null;
    }

    /** The prompt entry of golden.json with this id (video_q, image_q, image_video_q). */
    public JsonNode prompt(String id) {
        for (JsonNode prompt : json.get("prompts")) {
            if (prompt.get("id").asText().equals(id)) {
                return prompt;
            }
        }
        throw new IllegalArgumentException("golden.json has no prompt " + id);
    }

    public List<String> promptIds() {
        List<String> ids = new ArrayList<>();
        json.get("prompts").forEach(p -> ids.add(p.get("id").asText()));
        return ids;
    }

    public static int[] ints(JsonNode array) {
        int[] values = new int[array.size()];
        for (int i = 0; i < values.length; i++) {
            values[i] = array.get(i).intValue();
        }
        return values;
    }

    public float[] floats(String key) {
        return file(key).floats(key);
    }

    public long[] shape(String key) {
        return file(key).shape(key);
    }

    public int[] ids(String key) {
        long[] values = file(key).longs(key);
        int[] ids = new int[values.length];
        for (int i = 0; i < ids.length; i++) {
            ids[i] = Math.toIntExact(values[i]);
        }
        return ids;
    }

    private SafeTensorsFile file(String key) {
        for (SafeTensorsFile file : tensorFiles) {
            if (file.contains(key)) {
                return file;
            }
        }
        throw new IllegalArgumentException("no golden tensor " + key + " in " + caseDir);
    }

    /** Largest |a[i] - b[i]|; fails on different lengths. */
    public static double maxAbsDiff(float[] actual, float[] expected) {
        if (actual.length != expected.length) {
            throw new AssertionError("length " + actual.length + " != expected " + expected.length);
        }
        double max = 0;
        for (int i = 0; i < actual.length; i++) {
            double diff = Math.abs((double) actual[i] - expected[i]);
            if (!(diff <= max)) {
                max = Double.isNaN(diff) ? Double.POSITIVE_INFINITY : diff;
            }
        }
        return max;
    }

    @Override
    public void close() {
        tensorFiles.forEach(SafeTensorsFile::close);
        if (modelFile != null) {
            modelFile.close();
        }
    }
}
