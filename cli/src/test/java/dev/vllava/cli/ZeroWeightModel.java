package dev.vllava.cli;

import com.fasterxml.jackson.databind.node.ObjectNode;
import dev.vllava.checkpoint.DType;
import dev.vllava.checkpoint.SyntheticCheckpoint;
import dev.vllava.config.VideoLlavaConfig;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardCopyOption;
import java.util.List;

/**
 * A checkpoint with the demo model's tokenizer and preprocessing but all-zero weights (sparse files: no disk
 * blocks) and a Llama of any size: every logit is 0, so greedy decoding picks token 0 forever and never ends
 * before max_tokens. The compute per token is that of a real model of the size, which is what a server
 * test needs to hold a sequence in the batch, and what a batching measurement needs to cost.
 */
final class ZeroWeightModel {
    static final Path DEMO = CliProcess.path("testdata/shapes/model");
    private static final List<String> COPIED = List.of("tokenizer.model", "tokenizer_config.json", "special_tokens_map.json",
            "added_tokens.json", "preprocessor_config.json", "processor_config.json", "generation_config.json");

    private ZeroWeightModel() {}

    /** The demo model's shape with zero weights. */
    static Path demoShape(Path dir) {
        return write(dir, 128, 384, 4, 4);
    }

    /** @param hidden Llama hidden size (head size 64 above 128) */
    static Path write(Path dir, int hidden, int intermediate, int layers, int heads) {
        try {
            ObjectNode config = (ObjectNode) ServeProcess.JSON.readTree(DEMO.resolve("config.json").toFile());
            ((ObjectNode) config.get("text_config"))
                    .put("hidden_size", hidden)
                    .put("intermediate_size", intermediate)
                    .put("num_hidden_layers", layers)
                    .put("num_attention_heads", heads)
                    .put("num_key_value_heads", heads)
                    .put("head_dim", hidden / heads);
            SyntheticCheckpoint.writeSparse(dir, VideoLlavaConfig.fromJson(config), 1, DType.F16);
            for (String file : COPIED) {
                if (Files.exists(DEMO.resolve(file))) {
                    Files.copy(DEMO.resolve(file), dir.resolve(file), StandardCopyOption.REPLACE_EXISTING);
                }
            }
            return dir;
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
    }
}
