package dev.vllava.cli;

import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.node.ArrayNode;
import com.fasterxml.jackson.databind.node.ObjectNode;
import dev.vllava.VllavaException;
import dev.vllava.checkpoint.TensorData;
import dev.vllava.checkpoint.quant.QuantScheme;
import dev.vllava.checkpoint.quant.QuantTargets;
import dev.vllava.checkpoint.quant.RoundTripError;
import dev.vllava.checkpoint.Checkpoint;
import dev.vllava.checkpoint.ModelPart;
import dev.vllava.config.TextConfig;
import dev.vllava.config.VideoLlavaConfig;
import dev.vllava.config.VisionConfig;
import java.io.PrintWriter;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Locale;
import java.util.Objects;
import java.util.concurrent.Callable;
import picocli.CommandLine.Command;
import picocli.CommandLine.Model.CommandSpec;
import picocli.CommandLine.Option;
import picocli.CommandLine.Spec;

/**
 * {@code vllava info}: what a checkpoint folder holds, checked as {@code ask} would check it
 * (so it doubles as a validator: a broken checkpoint exits 4 with the list of problems).
 */
@Command(
        name = "info",
        mixinStandardHelpOptions = true,
        description = "Show a checkpoint's architecture, parameter counts, dtypes, size and tokenizer.")
final class InfoCommand implements Callable<Integer> {

    @Spec
    CommandSpec spec;

    @Option(names = "--model", required = true, paramLabel = "DIR", description = "Checkpoint folder (config.json, *.safetensors, tokenizer).")
    Path modelDir;

    @Option(names = "--json", description = "Print one JSON object instead of the table.")
    boolean json;

    @Option(names = "--stats", description = "Also measure, per quantization target, the quantize -> dequantize round-trip error"
            + " of --weights (reads every target weight: minutes for a 7B).")
    boolean stats;

    @Option(names = "--weights", paramLabel = "q8|q4", defaultValue = "q8", description = "Format --stats measures (default: ${DEFAULT-VALUE}).")
    String weights;

    @Option(names = "--group", paramLabel = "N", defaultValue = "32", description = "Group size --stats measures (default: ${DEFAULT-VALUE}).")
    int group;

    @Option(names = "--include", paramLabel = "PARTS", description = "Targets --stats also measures: vision, lm_head (as vllava quantize takes them).")
    String include;

    @Override
    public Integer call() throws Exception {
        ModelSummary summary;
        List<RoundTripError> errors = List.of();
        try (Checkpoint checkpoint = Checkpoint.open(modelDir)) {
            summary = ModelSummary.of(checkpoint, modelDir);
            if (stats) {
                errors = roundTrips(checkpoint);
            }
        }
        warnAboutDisagreements(summary);
        PrintWriter out = spec.commandLine().getOut();
        if (json) {
            ObjectNode root = toJson(summary);
            if (stats) {
                ArrayNode list = root.putObject("round_trip").put("weights", weights).put("group", group).putArray("tensors");
                errors.forEach(e -> list.addObject().put("tensor", e.tensor()).put("relative_rms", e.relativeRms()).put("max_abs", e.maxAbs()));
            }
            out.println(new ObjectMapper().writerWithDefaultPrettyPrinter().writeValueAsString(root));
        } else {
            out.print(InfoTable.render(summary));
            if (stats) {
                out.printf("%nround trip through %s, groups of %d (relative RMS error, largest absolute error):%n", weights, group);
                errors.forEach(e -> out.printf(Locale.ROOT, "  %-70s %.5f  %.3g%n", e.tensor(), e.relativeRms(), e.maxAbs()));
            }
        }
        out.flush();
        return 0;
    }

    /** Every stored (unquantized) target weight through the chosen scheme, with a progress bar on a terminal. */
    private List<RoundTripError> roundTrips(Checkpoint checkpoint) {
        QuantScheme scheme = QuantScheme.parse(weights, group);
        QuantTargets targets = QuantTargets.parse(include);
        List<TensorData> measured = checkpoint.tensors().stream()
                .filter(t -> !t.isQuantized() && targets.quantizes(t.name()) && t.columns() % scheme.groupSize() == 0).toList();
        if (measured.isEmpty()) {
            throw VllavaException.usage("--stats measures unquantized weights; %s has none to quantize (give the source checkpoint)", modelDir);
        }
        List<RoundTripError> errors = new ArrayList<>();
        try (TerminalProgress.Step step = TerminalProgress.forStderr().start("Measuring", measured.size(), null, 1)) {
            for (TensorData tensor : measured) {
                errors.add(RoundTripError.measure(tensor, scheme));
                step.stepBy(1);
            }
        }
        return errors;
    }

    /** The model splices media at the config's ids; a tokenizer that disagrees would put them elsewhere. */
    private void warnAboutDisagreements(ModelSummary summary) {
        ModelSummary.TokenizerSummary tokenizer = summary.tokenizer();
        VideoLlavaConfig config = summary.config();
        PrintWriter err = spec.commandLine().getErr();
        if (tokenizer.kind() != null && !Objects.equals(tokenizer.imageId(), config.imageTokenIndex())) {
            err.printf("vllava: warning: %s maps <image> to %s but config.json has image_token_index %d%n", tokenizer.kind(),
                    tokenizer.imageId(), config.imageTokenIndex());
        }
        if (tokenizer.kind() != null && !Objects.equals(tokenizer.videoId(), config.videoTokenIndex())) {
            err.printf("vllava: warning: %s maps <video> to %s but config.json has video_token_index %d%n", tokenizer.kind(),
                    tokenizer.videoId(), config.videoTokenIndex());
        }
        err.flush();
    }

    /** The {@code --json} contract: snake_case keys, counts as plain numbers, absent values as null. */
    static ObjectNode toJson(ModelSummary summary) {
        ObjectMapper mapper = new ObjectMapper();
        VideoLlavaConfig config = summary.config();
        ObjectNode root = mapper.createObjectNode();
        root.put("model_dir", summary.modelDir().toString());
        root.put("shards", summary.files().size());
        root.putArray("files").addAll(summary.files().stream().map(f -> mapper.getNodeFactory().textNode(f.getFileName().toString())).toList());
        root.put("bytes_on_disk", summary.bytesOnDisk());
        ObjectNode dtypes = root.putObject("dtypes");
        summary.tensorsPerDtype().forEach(dtypes::put);
        root.put("context_length", config.text().maxPositionEmbeddings());
        ObjectNode visual = root.putObject("visual_tokens");
        visual.put("per_image", config.tokensPerImage());
        visual.put("per_video_frame", config.tokensPerFrame());
        visual.put("vision_feature_layer", config.visionFeatureLayer());
        visual.put("vision_feature_select_strategy", config.visionFeatureSelectStrategy());
        vision(root.putObject("image_tower"), config.vision(), summary.parameters().get(ModelPart.IMAGE_TOWER));
        vision(root.putObject("video_tower"), config.vision(), summary.parameters().get(ModelPart.VIDEO_TOWER));
        root.putObject("projector")
                .put("in_features", config.vision().hiddenSize())
                .put("out_features", config.text().hiddenSize())
                .put("hidden_act", config.projectorHiddenAct())
                .put("parameters", summary.parameters().get(ModelPart.PROJECTOR));
        text(root.putObject("language_model"), config.text(), summary.parameters().get(ModelPart.LANGUAGE_MODEL));
        ObjectNode parameters = root.putObject("parameters");
        for (ModelPart part : ModelPart.values()) {
            parameters.put(part.name().toLowerCase(Locale.ROOT), summary.parameters().get(part));
        }
        parameters.put("total", summary.totalParameters());
        ObjectNode weights = root.putObject("weights");
        for (ModelPart part : ModelPart.values()) {
            ModelSummary.PartWeights w = summary.weights().get(part);
            ObjectNode node = weights.putObject(part.name().toLowerCase(Locale.ROOT));
            w.formats().forEach(node.putArray("formats")::add);
            node.put("bits_per_weight", w.bitsPerWeight());
        }
        tokenizer(root.putObject("tokenizer"), summary.tokenizer());
        return root;
    }

    private static void vision(ObjectNode node, VisionConfig vision, long parameters) {
        node.put("layers", vision.numHiddenLayers())
                .put("hidden_size", vision.hiddenSize())
                .put("heads", vision.numAttentionHeads())
                .put("intermediate_size", vision.intermediateSize())
                .put("patch_size", vision.patchSize())
                .put("image_size", vision.imageSize())
                .put("hidden_act", vision.hiddenAct())
                .put("parameters", parameters);
    }

    private static void text(ObjectNode node, TextConfig text, long parameters) {
        node.put("layers", text.numHiddenLayers())
                .put("hidden_size", text.hiddenSize())
                .put("heads", text.numAttentionHeads())
                .put("kv_heads", text.numKeyValueHeads())
                .put("head_dim", text.headDim())
                .put("intermediate_size", text.intermediateSize())
                .put("vocab_size", text.vocabSize())
                .put("max_position_embeddings", text.maxPositionEmbeddings())
                .put("rms_norm_eps", text.rmsNormEps())
                .put("rope_theta", text.ropeTheta())
                .put("tie_word_embeddings", text.tieWordEmbeddings())
                .put("parameters", parameters);
    }

    private static void tokenizer(ObjectNode node, ModelSummary.TokenizerSummary tokenizer) {
        node.put("kind", tokenizer.kind());
        node.put("vocab_size", tokenizer.vocabSize());
        node.put("bos_id", tokenizer.bosId());
        node.put("eos_id", tokenizer.eosId());
        node.put("image_id", tokenizer.imageId());
        node.put("video_id", tokenizer.videoId());
        node.put("pad_id", tokenizer.padId());
    }
}
