package dev.vllava.checkpoint.quant;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.node.ArrayNode;
import com.fasterxml.jackson.databind.node.ObjectNode;
import dev.vllava.VllavaException;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.regex.Pattern;

/**
 * The {@code quantization_config} of a compressed-tensors checkpoint's config.json (what
 * llm-compressor writes and vLLM reads): {@code quant_method: "compressed-tensors"}, a storage
 * {@code format} and {@code config_groups}, each naming the modules it {@code targets} and its
 * weight arguments. vllava reads weight-only symmetric integer schemes (W8A16, W4A16) stored
 * {@code pack-quantized} or {@code int-quantized}, with the {@code group} or {@code channel} strategy.
 */
public record CompressedTensorsConfig(String format, List<Group> groups) {

    public static final String PACK_QUANTIZED = "pack-quantized";
    public static final String INT_QUANTIZED = "int-quantized";
    private static final ObjectMapper JSON = new ObjectMapper();

    /**
     * One config group: the modules it applies to and their weight scheme. {@code groupSize} is the
     * input width for the channel strategy (one scale per row), filled in per tensor.
     *
     * @param groupSize 0 for the channel strategy
     */
    public record Group(String name, List<String> targets, int bits, int groupSize) {

        /** Whether this group applies to {@code module} (a layer name without {@code .weight}). */
        public boolean targets(String module) {
            for (String target : targets) {
                if (target.equals("Linear") || target.equals(module)
                        || (target.startsWith("re:") && Pattern.compile(target.substring(3)).matcher(module).matches())) {
                    return true;
                }
            }
            return false;
        }

        /** The group size for a layer of {@code columns} inputs. */
        public int groupSizeFor(long columns) {
            return groupSize == 0 ? Math.toIntExact(columns) : groupSize;
        }
    }

    /** The checkpoint's quantization config, or empty for an unquantized one; a malformed one is a checkpoint error. */
    public static Optional<CompressedTensorsConfig> read(Path modelDir) {
        Path file = modelDir.resolve("config.json");
        JsonNode root;
        try {
            root = JSON.readTree(Files.readString(file));
        } catch (IOException | RuntimeException e) {
            return Optional.empty(); // VideoLlavaConfig reports an unreadable config.json
        }
        JsonNode quantization = root == null ? null : root.get("quantization_config");
        if (quantization == null || quantization.isNull()) {
            return Optional.empty();
        }
        return Optional.of(fromJson(quantization));
    }

    static CompressedTensorsConfig fromJson(JsonNode q) {
        String method = q.path("quant_method").asText("");
        if (!method.equals("compressed-tensors")) {
            throw problem("quant_method '%s' is not supported (vllava reads compressed-tensors)", method);
        }
        String format = q.path("format").asText("");
        if (!format.equals(PACK_QUANTIZED) && !format.equals(INT_QUANTIZED)) {
            throw problem("format '%s' is not supported (expected %s or %s)", format, PACK_QUANTIZED, INT_QUANTIZED);
        }
        JsonNode groups = q.path("config_groups");
        if (!groups.isObject() || groups.isEmpty()) {
            throw problem("config_groups is missing or empty");
        }
        List<Group> parsed = new ArrayList<>();
        for (Map.Entry<String, JsonNode> entry : groups.properties()) {
            parsed.add(group(entry.getKey(), entry.getValue(), format));
        }
        return new CompressedTensorsConfig(format, List.copyOf(parsed));
    }

    private static Group group(String name, JsonNode group, String format) {
        String at = "config_groups." + name + ".";
        JsonNode activations = group.path("input_activations");
        if (!activations.isMissingNode() && !activations.isNull()) {
            throw problem("%sinput_activations is set: only weight-only schemes (W8A16, W4A16) are supported", at);
        }
        JsonNode w = group.path("weights");
        if (!w.isObject()) {
            throw problem("%sweights is missing", at);
        }
        if (!w.path("type").asText("int").equals("int")) {
            throw problem("%sweights.type '%s' is not supported (expected int)", at, w.path("type").asText());
        }
        int bits = w.path("num_bits").asInt(-1);
        if (bits != 8 && bits != 4) {
            throw problem("%sweights.num_bits %s is not supported (expected 8 or 4)", at, w.path("num_bits"));
        }
        if (bits == 4 && format.equals(INT_QUANTIZED)) {
            throw problem("%sweights.num_bits 4 needs format %s", at, PACK_QUANTIZED);
        }
        if (!w.path("symmetric").asBoolean(true)) {
            throw problem("%sweights.symmetric is false: only symmetric weights are supported", at);
        }
        String strategy = w.path("strategy").asText("");
        int groupSize = switch (strategy) {
            case "group" -> {
                int size = w.path("group_size").asInt(-1);
                if (size <= 0) {
                    throw problem("%sweights.group_size %s must be a positive integer", at, w.path("group_size"));
                }
                yield size;
            }
            case "channel" -> 0;
            default -> throw problem("%sweights.strategy '%s' is not supported (expected group or channel)", at, strategy);
        };
        List<String> targets = new ArrayList<>();
        group.path("targets").forEach(t -> targets.add(t.asText()));
        if (targets.isEmpty()) {
            throw problem("%stargets is empty", at);
        }
        return new Group(name, List.copyOf(targets), bits, groupSize);
    }

    /** The group whose targets name {@code module}, or empty. */
    public Optional<Group> groupFor(String module) {
        return groups.stream().filter(g -> g.targets(module)).findFirst();
    }

    /**
     * The {@code quantization_config} vllava writes: one group, every Linear layer, those left in
     * their stored dtype listed under {@code ignore} (as llm-compressor does).
     */
    public static ObjectNode toJson(QuantScheme scheme, List<String> ignored) {
        ObjectNode q = JSON.createObjectNode();
        ObjectNode group = q.putObject("config_groups").putObject("group_0");
        group.putArray("targets").add("Linear");
        ObjectNode w = group.putObject("weights");
        w.put("num_bits", scheme.bits()).put("type", "int").put("symmetric", true).put("strategy", "group")
                .put("group_size", scheme.groupSize()).put("dynamic", false).putNull("actorder")
                .putNull("block_structure").put("observer", "minmax");
        group.putNull("input_activations");
        group.putNull("output_activations");
        q.put("format", PACK_QUANTIZED);
        ArrayNode ignore = q.putArray("ignore");
        ignored.forEach(ignore::add);
        q.putNull("kv_cache_scheme");
        q.put("quant_method", "compressed-tensors");
        q.put("quantization_status", "compressed");
        return q;
    }

    private static VllavaException problem(String format, Object... args) {
        return VllavaException.checkpoint("config.json: quantization_config." + format, args);
    }
}
