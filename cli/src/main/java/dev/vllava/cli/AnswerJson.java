package dev.vllava.cli;

import com.fasterxml.jackson.core.JsonProcessingException;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.node.ObjectNode;
import dev.vllava.model.Answer;

/**
 * The {@code --json} contract of {@code ask}: one object on one line, with these field names (tests
 * pin them): answer, token_ids, prompt_tokens, generated_tokens, finish_reason ("stop" | "length"),
 * backend, weights (only when they are quantized: "q8, quantized at load", "int4 g32, compressed-tensors
 * checkpoint"), visual_tokens {setting, kept, reference}, timings_ms {load, media, vision, prefill, decode},
 * tokens_per_second (generated tokens over decode time).
 */
final class AnswerJson {
    private AnswerJson() {}

    /** @param weights how the weights depart from the stored reference (quantized), or null */
    static String of(Answer answer, VisualTokenUse visual, String backend, String weights, double loadMs, double mediaMs) {
        ObjectMapper mapper = new ObjectMapper();
        ObjectNode root = mapper.createObjectNode();
        root.put("answer", answer.text());
        root.putPOJO("token_ids", answer.tokenIds());
        root.put("prompt_tokens", answer.promptTokens());
        root.put("generated_tokens", answer.generatedTokens());
        root.put("finish_reason", answer.finishReason().jsonName());
        root.put("backend", backend);
        if (weights != null) {
            root.put("weights", weights);
        }
        visual.writeTo(root);
        ObjectNode timings = root.putObject("timings_ms");
        timings.put("load", round(loadMs));
        timings.put("media", round(mediaMs));
        timings.put("vision", round(answer.timings().visionMs()));
        timings.put("prefill", round(answer.timings().prefillMs()));
        timings.put("decode", round(answer.timings().decodeMs()));
        root.put("tokens_per_second", round(tokensPerSecond(answer)));
        try {
            return mapper.writeValueAsString(root);
        } catch (JsonProcessingException e) {
            throw new IllegalStateException("cannot write the answer as JSON", e);
        }
    }

    static double tokensPerSecond(Answer answer) {
        double seconds = answer.timings().decodeMs() / 1000;
        return seconds > 0 ? answer.generatedTokens() / seconds : 0;
    }

    /** One line for {@code --stats}: every phase in milliseconds. */
    static String statsLine(Answer answer, VisualTokenUse visual, String backend, double loadMs, double mediaMs, double startupMs) {
        return String.format(java.util.Locale.ROOT,
                "vllava: %s backend: startup %.0f ms, load %.1f ms, media %.1f ms, vision %.1f ms, prefill %.1f ms (%d tokens, %s), "
                        + "decode %.1f ms (%d tokens, %.2f tokens/s)",
                backend, startupMs, loadMs, mediaMs, answer.timings().visionMs(), answer.timings().prefillMs(), answer.promptTokens(),
                visual.describe(),
                answer.timings().decodeMs(), answer.generatedTokens(), tokensPerSecond(answer));
    }

    private static double round(double value) {
        return Math.round(value * 10) / 10.0;
    }
}
