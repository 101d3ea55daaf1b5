package dev.vllava.serve;

import com.fasterxml.jackson.databind.JsonNode;
import dev.vllava.generate.SamplingOptions;
import dev.vllava.model.ChatTemplate;
import dev.vllava.model.MediaKind;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.ThreadLocalRandom;

/**
 * Reads OpenAI's chat-completions request: checks every field the server honours and turns the
 * {@code messages} into Video-LLaVA's Vicuna prompt as {@code vllava chat} builds it:
 * <pre>
 *   [{system} ]USER: &lt;image&gt;\n&lt;video&gt;\n{question} ASSISTANT: {answer}&lt;/s&gt;USER: {question 2} ASSISTANT:
 * </pre>
 * Sampling defaults to greedy (the model's generation config and {@code ask}'s default), not OpenAI's
 * temperature 1: a client that wants sampling says so. Fields that would change the answer in ways the
 * server cannot honour ({@code n > 1}, {@code logprobs}, tools, penalties) are refused, never ignored.
 */
final class ChatRequestParser {
    private static final int MAX_STOP_STRINGS = 4;

    private final String modelId;

    ChatRequestParser(String modelId) {
        this.modelId = modelId;
    }

    ChatRequest parse(JsonNode body) {
        if (!body.isObject()) {
            throw ApiException.badRequest(null, "the request body must be a JSON object");
        }
        String model = optionalText(body, "model");
        if (model != null && !model.equals(modelId)) {
            throw ApiException.notFound("model_not_found", "The model '%s' does not exist; this server runs '%s'.", model, modelId);
        }
        refuseUnsupported(body);
        PromptBuilder prompt = new PromptBuilder();
        JsonNode messages = body.get("messages");
        if (messages == null || !messages.isArray() || messages.isEmpty()) {
            throw ApiException.badRequest("messages", "'messages' must be a non-empty array");
        }
        for (int i = 0; i < messages.size(); i++) {
            prompt.add(messages.get(i), i);
        }
        Integer maxTokens = optionalPositiveInt(body, "max_completion_tokens");
        if (maxTokens == null) {
            maxTokens = optionalPositiveInt(body, "max_tokens");
        }
        boolean stream = optionalBoolean(body, "stream", false);
        JsonNode streamOptions = body.get("stream_options");
        boolean includeUsage = streamOptions != null && streamOptions.isObject() && optionalBoolean(streamOptions, "include_usage", false);
        return new ChatRequest(model, prompt.finish(), prompt.media, maxTokens, sampling(body), stopStrings(body), stream, includeUsage);
    }

    private static void refuseUnsupported(JsonNode body) {
        JsonNode n = body.get("n");
        if (n != null && !n.isNull() && !(n.canConvertToInt() && n.asInt() == 1 && n.isIntegralNumber())) {
            throw ApiException.badRequest("n", "only n = 1 is supported");
        }
        if (optionalBoolean(body, "logprobs", false)) {
            throw ApiException.badRequest("logprobs", "logprobs are not supported");
        }
        for (String field : List.of("tools", "functions", "response_format", "logit_bias")) {
            JsonNode value = body.get(field);
            if (value != null && !value.isNull() && !(value.isContainerNode() && value.isEmpty())
                    && !(field.equals("response_format") && "text".equals(value.path("type").asText()))) {
                throw ApiException.badRequest(field, "'%s' is not supported by this server", field);
            }
        }
        for (String penalty : List.of("frequency_penalty", "presence_penalty")) {
            JsonNode value = body.get(penalty);
            if (value != null && !value.isNull() && (!value.isNumber() || value.asDouble() != 0)) {
                throw ApiException.badRequest(penalty, "'%s' is not supported (only 0)", penalty);
            }
        }
    }

    private static SamplingOptions sampling(JsonNode body) {
        double temperature = optionalNumber(body, "temperature", 0);
        if (temperature < 0 || temperature > 2) {
            throw ApiException.badRequest("temperature", "'temperature' must be in [0, 2], got %s", temperature);
        }
        double topP = optionalNumber(body, "top_p", 1);
        if (!(topP > 0 && topP <= 1)) {
            throw ApiException.badRequest("top_p", "'top_p' must be in (0, 1], got %s", topP);
        }
        JsonNode seed = body.get("seed");
        long seedValue;
        if (seed == null || seed.isNull()) {
            seedValue = ThreadLocalRandom.current().nextLong();
        } else if (seed.isIntegralNumber() && seed.canConvertToLong()) {
            seedValue = seed.asLong();
        } else {
            throw ApiException.badRequest("seed", "'seed' must be an integer");
        }
        return new SamplingOptions(temperature, 0, topP, seedValue);
    }

    private static List<String> stopStrings(JsonNode body) {
        JsonNode stop = body.get("stop");
        if (stop == null || stop.isNull()) {
            return List.of();
        }
        List<String> strings = new ArrayList<>();
        if (stop.isTextual()) {
            strings.add(stop.asText());
        } else if (stop.isArray() && stop.size() <= MAX_STOP_STRINGS) {
            stop.forEach(s -> {
                if (!s.isTextual()) {
                    throw ApiException.badRequest("stop", "'stop' must be a string or an array of up to 4 strings");
                }
                strings.add(s.asText());
            });
        } else {
            throw ApiException.badRequest("stop", "'stop' must be a string or an array of up to 4 strings");
        }
        if (strings.stream().anyMatch(String::isEmpty)) {
            throw ApiException.badRequest("stop", "stop strings must not be empty");
        }
        return List.copyOf(strings);
    }

    private static String optionalText(JsonNode body, String field) {
        JsonNode value = body.get(field);
        if (value == null || value.isNull()) {
            return null;
        }
        if (!value.isTextual()) {
            throw ApiException.badRequest(field, "'%s' must be a string", field);
        }
        return value.asText();
    }

    private static Integer optionalPositiveInt(JsonNode body, String field) {
        JsonNode value = body.get(field);
        if (value == null || value.isNull()) {
            return null;
        }
        if (!value.isIntegralNumber() || !value.canConvertToInt() || value.asInt() < 1) {
            throw ApiException.badRequest(field, "'%s' must be a positive integer", field);
        }
        return value.asInt();
    }

    private static double optionalNumber(JsonNode body, String field, double fallback) {
        JsonNode value = body.get(field);
        if (value == null || value.isNull()) {
            return fallback;
        }
        if (!value.isNumber()) {
            throw ApiException.badRequest(field, "'%s' must be a number", field);
        }
        return value.asDouble();
    }

    private static boolean optionalBoolean(JsonNode body, String field, boolean fallback) {
        JsonNode value = body.get(field);
        if (value == null || value.isNull()) {
            return fallback;
        }
        if (!value.isBoolean()) {
            throw ApiException.badRequest(field, "'%s' must be true or false", field);
        }
        return value.asBoolean();
    }

    /** The dialogue written out turn by turn; consecutive user messages form one turn. */
    private static final class PromptBuilder {
        private final StringBuilder text = new StringBuilder();
        private final List<MediaUrl> media = new ArrayList<>();
        private final List<MediaUrl> turnMedia = new ArrayList<>();
        private final List<String> turnText = new ArrayList<>();
        private String system;
        private boolean started;
        private boolean endsWithUser;

        void add(JsonNode message, int index) {
            String param = "messages[" + index + "]";
            if (!message.isObject()) {
                throw ApiException.badRequest(param, "each message must be an object with 'role' and 'content'");
            }
            String role = message.path("role").asText("");
            switch (role) {
                case "system", "developer" -> {
                    if (started || !turnText.isEmpty() || !turnMedia.isEmpty()) {
                        throw ApiException.badRequest(param, "a system message may only come first");
                    }
                    String content = textOnly(message.get("content"), param);
                    system = system == null ? content : system + "\n" + content;
                }
                case "user" -> {
                    readUserContent(message.get("content"), param);
                    endsWithUser = true;
                }
                case "assistant" -> {
                    if (!endsWithUser) {
                        throw ApiException.badRequest(param, "an assistant message must follow a user message");
                    }
                    closeUserTurn();
                    JsonNode content = message.get("content");
                    String answer = content == null || content.isNull() ? "" : textOnly(content, param);
                    text.append(answer.isEmpty() ? "" : " " + answer).append(ChatTemplate.END_OF_ANSWER);
                    endsWithUser = false;
                }
                default -> throw ApiException.badRequest(param + ".role",
                        "role must be system, user or assistant, got '%s'", role);
            }
        }

        String finish() {
            if (!endsWithUser) {
                throw ApiException.badRequest("messages", "the last message must be a user message");
            }
            closeUserTurn();
            return text.toString();
        }

        private void closeUserTurn() {
            int images = (int) turnMedia.stream().filter(m -> m.kind() == MediaKind.IMAGE).count();
            String question = String.join("\n", turnText);
            text.append(started ? ChatTemplate.nextTurn(true, images, turnMedia.size() - images, question)
                    : ChatTemplate.firstTurn(system, images, turnMedia.size() - images, question));
            // placeholders are written images first, then videos (ChatTemplate's layout)
            turnMedia.stream().filter(m -> m.kind() == MediaKind.IMAGE).forEach(media::add);
            turnMedia.stream().filter(m -> m.kind() == MediaKind.VIDEO).forEach(media::add);
            turnMedia.clear();
            turnText.clear();
            started = true;
        }

        private void readUserContent(JsonNode content, String param) {
            if (content != null && content.isTextual()) {
                turnText.add(content.asText());
                return;
            }
            if (content == null || !content.isArray()) {
                throw ApiException.badRequest(param + ".content", "content must be a string or an array of parts");
            }
            for (int i = 0; i < content.size(); i++) {
                JsonNode part = content.get(i);
                String partParam = param + ".content[" + i + "]";
                String type = part.path("type").asText("");
                switch (type) {
                    case "text" -> turnText.add(requireText(part.get("text"), partParam + ".text"));
                    case "image_url" -> turnMedia.add(new MediaUrl(MediaKind.IMAGE, url(part, "image_url", partParam)));
                    case "video_url" -> turnMedia.add(new MediaUrl(MediaKind.VIDEO, url(part, "video_url", partParam)));
                    default -> throw ApiException.badRequest(partParam + ".type",
                            "content part type must be text, image_url or video_url, got '%s'", type);
                }
            }
        }

        private static String url(JsonNode part, String field, String param) {
            JsonNode holder = part.get(field);
            // OpenAI's shape is {"url": ...}; a bare string is accepted too, as vLLM does
            JsonNode url = holder != null && holder.isObject() ? holder.get("url") : holder;
            return requireText(url, param + "." + field + ".url");
        }

        private static String textOnly(JsonNode content, String param) {
            if (content != null && content.isTextual()) {
                return content.asText();
            }
            if (content == null || !content.isArray()) {
                throw ApiException.badRequest(param + ".content", "content must be a string or an array of text parts");
            }
            List<String> parts = new ArrayList<>();
            for (JsonNode part : content) {
                if (!"text".equals(part.path("type").asText())) {
                    throw ApiException.badRequest(param + ".content", "only user messages may carry images or videos");
                }
                parts.add(requireText(part.get("text"), param + ".content"));
            }
            return String.join("\n", parts);
        }

        private static String requireText(JsonNode node, String param) {
            if (node == null || !node.isTextual()) {
                throw ApiException.badRequest(param, "'%s' must be a string", param);
            }
            return node.asText();
        }
    }
}
