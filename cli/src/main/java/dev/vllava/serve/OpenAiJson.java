package dev.vllava.serve;

import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.node.ArrayNode;
import com.fasterxml.jackson.databind.node.ObjectNode;

/**
 * The JSON objects of OpenAI's chat-completions protocol that the server writes: a completion, a streamed
 * chunk, the usage object, the model list and the error object. Field names and nesting follow OpenAI's
 * API reference, so its client libraries parse them unchanged.
 */
final class OpenAiJson {
    static final ObjectMapper MAPPER = new ObjectMapper();

    private final String modelId;
    private final long createdSeconds;

    OpenAiJson(String modelId, long createdSeconds) {
        this.modelId = modelId;
        this.createdSeconds = createdSeconds;
    }

    /** {@code object: "chat.completion"}: the whole answer at once. */
    ObjectNode completion(String id, long created, String content, Generation.Finished finished) {
        ObjectNode root = header(id, created, "chat.completion");
        ObjectNode choice = root.putArray("choices").addObject();
        choice.put("index", 0);
        ObjectNode message = choice.putObject("message");
        message.put("role", "assistant");
        message.put("content", content);
        message.putNull("refusal");
        choice.putNull("logprobs");
        choice.put("finish_reason", finished.finishReason());
        root.set("usage", usage(finished));
        return root;
    }

    /**
     * {@code object: "chat.completion.chunk"} with one choice: the first carries the role, the next ones
     * content, the last an empty delta and the finish reason.
     */
    ObjectNode chunk(String id, long created, String role, String content, String finishReason) {
        ObjectNode root = header(id, created, "chat.completion.chunk");
        ObjectNode choice = root.putArray("choices").addObject();
        choice.put("index", 0);
        ObjectNode delta = choice.putObject("delta");
        if (role != null) {
            delta.put("role", role);
        }
        if (content != null) {
            delta.put("content", content);
        }
        choice.putNull("logprobs");
        if (finishReason == null) {
            choice.putNull("finish_reason");
        } else {
            choice.put("finish_reason", finishReason);
        }
        return root;
    }

    /** The chunk {@code stream_options.include_usage} asks for: no choices, the usage. */
    ObjectNode usageChunk(String id, long created, Generation.Finished finished) {
        ObjectNode root = header(id, created, "chat.completion.chunk");
        root.putArray("choices");
        root.set("usage", usage(finished));
        return root;
    }

    ObjectNode models() {
        ObjectNode root = MAPPER.createObjectNode();
        root.put("object", "list");
        ArrayNode data = root.putArray("data");
        data.add(model());
        return root;
    }

    ObjectNode model() {
        ObjectNode model = MAPPER.createObjectNode();
        model.put("id", modelId);
        model.put("object", "model");
        model.put("created", createdSeconds);
        model.put("owned_by", "vllava");
        return model;
    }

    static ObjectNode error(ApiException error) {
        ObjectNode root = MAPPER.createObjectNode();
        ObjectNode body = root.putObject("error");
        body.put("message", error.getMessage());
        body.put("type", error.type());
        if (error.param() == null) {
            body.putNull("param");
        } else {
            body.put("param", error.param());
        }
        if (error.code() == null) {
            body.putNull("code");
        } else {
            body.put("code", error.code());
        }
        return root;
    }

    private ObjectNode header(String id, long created, String object) {
        ObjectNode root = MAPPER.createObjectNode();
        root.put("id", id);
        root.put("object", object);
        root.put("created", created);
        root.put("model", modelId);
        root.putNull("system_fingerprint");
        return root;
    }

    private static ObjectNode usage(Generation.Finished finished) {
        ObjectNode usage = MAPPER.createObjectNode();
        usage.put("prompt_tokens", finished.promptTokens());
        usage.put("completion_tokens", finished.completionTokens());
        usage.put("total_tokens", finished.promptTokens() + finished.completionTokens());
        return usage;
    }
}
