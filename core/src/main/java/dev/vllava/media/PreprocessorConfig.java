package dev.vllava.media;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import dev.vllava.Failure;
import dev.vllava.VllavaException;
import dev.vllava.io.BoundedInput;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.LinkOption;
import java.nio.file.Path;

/**
 * The fields of {@code preprocessor_config.json} that {@code VideoLlavaImageProcessor} uses. Absent keys
 * take the transformers defaults (shortest edge 224, crop 224, CLIP mean/std, rescale 1/255, every
 * {@code do_*} on).
 *
 * @param shortestEdge  {@code size.shortest_edge}: the shorter side after the resize
 * @param cropHeight    {@code crop_size.height}
 * @param cropWidth     {@code crop_size.width}
 */
public record PreprocessorConfig(boolean doResize, int shortestEdge, boolean doCenterCrop, int cropHeight,
                                 int cropWidth, boolean doRescale, double rescaleFactor, boolean doNormalize,
                                 double[] mean, double[] std) {
    public static final double[] CLIP_MEAN = {0.48145466, 0.4578275, 0.40821073};
    public static final double[] CLIP_STD = {0.26862954, 0.26130258, 0.27577711};

    /** The Video-LLaVA defaults with shortest edge and crop {@code size}. */
    public static PreprocessorConfig defaults(int size) {
        return new PreprocessorConfig(true, size, true, size, size, true, 1 / 255.0, true,
                CLIP_MEAN.clone(), CLIP_STD.clone());
    }

    /** Reads {@code modelDir/preprocessor_config.json}. */
    public static PreprocessorConfig load(Path modelDir) {
        Path file = modelDir.resolve("preprocessor_config.json");
        if (!Files.exists(file, LinkOption.NOFOLLOW_LINKS)) {
            throw VllavaException.checkpoint("%s: file not found", file);
        }
        JsonNode root;
        try {
            root = new ObjectMapper().readTree(new BoundedInput(Failure.CHECKPOINT, "preprocessor config", BoundedInput.MIB).readFile(file));
        } catch (IOException e) {
            throw VllavaException.checkpoint("%s: cannot read: %s", file, e.getMessage());
        }
        if (root == null || !root.isObject()) {
            throw VllavaException.checkpoint("%s: not a JSON object", file);
        }
        try {
            return parse(root);
        } catch (IllegalArgumentException e) {
            throw VllavaException.checkpoint("%s: %s", file, e.getMessage());
        }
    }

    static PreprocessorConfig parse(JsonNode root) {
        JsonNode resample = root.path("resample");
        if (!resample.isMissingNode() && !resample.isNull() && resample.asInt(-1) != 3) {
            throw new IllegalArgumentException("resample = " + resample + " is not supported (only 3, PIL bicubic)");
        }
        JsonNode size = root.path("size");
        int shortest;
        if (size.has("shortest_edge")) {
            shortest = positive(size.get("shortest_edge"), "size.shortest_edge");
        } else if (size.has("height") || size.has("width")) {
            throw new IllegalArgumentException("size as height/width is not supported (Video-LLaVA uses shortest_edge)");
        } else {
            shortest = 224;
        }
        JsonNode crop = root.path("crop_size");
        int cropHeight = crop.has("height") ? positive(crop.get("height"), "crop_size.height") : 224;
        int cropWidth = crop.has("width") ? positive(crop.get("width"), "crop_size.width") : 224;
        double[] mean = triple(root.get("image_mean"), CLIP_MEAN, "image_mean");
        double[] std = triple(root.get("image_std"), CLIP_STD, "image_std");
        for (double s : std) {
            if (!(s > 0)) {
                throw new IllegalArgumentException("image_std must be positive");
            }
        }
        return new PreprocessorConfig(
                root.path("do_resize").asBoolean(true), shortest,
                root.path("do_center_crop").asBoolean(true), cropHeight, cropWidth,
                root.path("do_rescale").asBoolean(true), root.path("rescale_factor").asDouble(1 / 255.0),
                root.path("do_normalize").asBoolean(true), mean, std);
    }

    private static int positive(JsonNode node, String key) {
        if (!node.canConvertToInt() || node.asInt() < 1 || node.asInt() > 16384) {
            throw new IllegalArgumentException(key + " = " + node + " is not a size in 1..16384");
        }
        return node.asInt();
    }

    private static double[] triple(JsonNode node, double[] fallback, String key) {
        if (node == null || node.isNull()) {
            return fallback.clone();
        }
        if (node.isNumber()) {
            return new double[] {node.asDouble(), node.asDouble(), node.asDouble()};
        }
        if (!node.isArray() || node.size() != 3) {
            throw new IllegalArgumentException(key + " must be 3 numbers");
        }
        return new double[] {node.get(0).asDouble(), node.get(1).asDouble(), node.get(2).asDouble()};
    }
}
