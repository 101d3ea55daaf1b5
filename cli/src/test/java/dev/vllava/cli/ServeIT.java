package dev.vllava.cli;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertNotNull;
import static org.junit.jupiter.api.Assertions.assertTrue;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.node.ObjectNode;
import java.io.IOException;
import java.net.http.HttpResponse;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Base64;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;

/**
 * {@code vllava serve} on the demo model as a client sees it: answers equal to {@code ask}'s, OpenAI's shapes,
 * every error status, and a small concurrent load. (Queueing, cancellation and shutdown need answers that do
 * not end at once: {@link ServeLimitsIT}.)
 */
class ServeIT {
    private static final String MODEL = "testdata/shapes/model";
    private static final String MEDIA_ROOT = "testdata/shapes/bench/media";
    private static ServeProcess server;

    @BeforeAll
    static void start() {
        server = ServeProcess.start(Map.of(), "--model", MODEL, "--media-root", MEDIA_ROOT, "--max-body-mb", "1");
    }

    @AfterAll
    static void stop() throws InterruptedException {
        if (server != null) {
            int exit = server.terminate();
            assertEquals(143, exit, "SIGTERM ends the server as the signal does (128 + 15), after a clean shutdown");
            assertTrue(server.stderrLines().stream().anyMatch(l -> l.contains("shutting down")),
                    "the shutdown is logged");
        }
    }

    private static String dataUrl(String type, String file) throws IOException {
        return "data:" + type + ";base64," + Base64.getEncoder().encodeToString(Files.readAllBytes(CliProcess.path(MEDIA_ROOT).resolve(file)));
    }

    private static JsonNode json(HttpResponse<String> response) throws IOException {
        return ServeProcess.JSON.readTree(response.body());
    }

    /** The streamed answer's content deltas joined, after checking every chunk's shape and the closing [DONE]. */
    private static String streamedContent(String body, List<String> finishReasons) throws IOException {
        List<String> events = body.lines().filter(l -> !l.isEmpty()).toList();
        assertEquals("data: [DONE]", events.getLast(), "the stream ends with data: [DONE]");
        StringBuilder content = new StringBuilder();
        String id = null;
        for (String event : events.subList(0, events.size() - 1)) {
            assertTrue(event.startsWith("data: "), event);
            JsonNode chunk = ServeProcess.JSON.readTree(event.substring(6));
            assertEquals("chat.completion.chunk", chunk.get("object").asText());
            id = id == null ? chunk.get("id").asText() : id;
            assertEquals(id, chunk.get("id").asText(), "every chunk carries the completion's id");
            for (JsonNode choice : chunk.get("choices")) {
                content.append(choice.at("/delta/content").asText(""));
                if (!choice.get("finish_reason").isNull()) {
                    finishReasons.add(choice.get("finish_reason").asText());
                }
            }
        }
        return content.toString();
    }

    @Test
    void videoAndImageQuestionsAreAnsweredAsAskAnswersThemStreamedAndNot() throws Exception {
        String[][] items = {{"v000.mp4", "video", "What color is the shape?"}, {"v001.mp4", "video", "What shape is it?"},
                {"i042.png", "image", "What color is the shape?"}};
        for (String[] item : items) {
            boolean video = item[1].equals("video");
            CliProcess.Result ask = CliProcess.run("ask", "--model", MODEL, video ? "--video" : "--image", MEDIA_ROOT + "/" + item[0],
                    "--max-new-tokens", "16", "--json", item[2]);
            assertEquals(0, ask.exitCode(), ask.describe());
            JsonNode expected = ask.json();

            ObjectNode request = ServeLoad.chat(video ? "video_url" : "image_url",
                    dataUrl(video ? "video/mp4" : "image/png", item[0]), item[2], 16);
            JsonNode answer = json(server.chat(request));
            assertEquals(expected.get("answer").asText(), answer.at("/choices/0/message/content").asText(), item[0]);
            assertEquals(expected.get("finish_reason").asText(), answer.at("/choices/0/finish_reason").asText());
            assertEquals(expected.get("prompt_tokens").asInt(), answer.at("/usage/prompt_tokens").asInt(), "visual tokens counted as ask counts them");
            assertEquals(expected.get("generated_tokens").asInt(), answer.at("/usage/completion_tokens").asInt());

            request.put("stream", true);
            HttpResponse<String> streamed = server.chat(request);
            assertEquals(200, streamed.statusCode());
            assertEquals("text/event-stream", streamed.headers().firstValue("Content-Type").orElse(""));
            List<String> finish = new ArrayList<>();
            assertEquals(expected.get("answer").asText(), streamedContent(streamed.body(), finish), item[0] + " streamed");
            assertEquals(List.of(expected.get("finish_reason").asText()), finish);
        }
    }

    @Test
    void aFileUrlInsideTheMediaRootIsReadLikeTheSameBytesSentInline() throws Exception {
        Path video = CliProcess.path(MEDIA_ROOT).resolve("v002.mp4").toAbsolutePath();
        JsonNode byFile = json(server.chat(ServeLoad.chat("video_url", video.toUri().toString(), "What color is the shape?", 8)));
        JsonNode inline = json(server.chat(ServeLoad.chat("video_url", dataUrl("video/mp4", "v002.mp4"), "What color is the shape?", 8)));
        assertEquals(inline.at("/choices/0/message/content").asText(), byFile.at("/choices/0/message/content").asText());
        assertTrue(server.metric("vllava_prefix_cache_hits_total") >= 1, "the second request reused the first one's media prefix");
    }

    /** The request the openai Python package (1.x) sends for client.chat.completions.create(...), headers included. */
    @Test
    void aRequestAsTheOpenAiPythonPackageSendsItGetsTheShapesItParses() throws Exception {
        String[] headers = {"Accept", "application/json", "User-Agent", "OpenAI/Python 1.54.4", "X-Stainless-Lang", "python",
                "X-Stainless-Package-Version", "1.54.4", "X-Stainless-OS", "Linux", "X-Stainless-Arch", "x64",
                "X-Stainless-Runtime", "CPython", "X-Stainless-Runtime-Version", "3.12.7", "X-Stainless-Async", "false",
                "x-stainless-retry-count", "0", "Authorization", "Bearer sk-no-key-required"};
        String body = "{\"messages\": [{\"role\": \"user\", \"content\": [{\"type\": \"text\", \"text\": \"What color is the shape?\"}, "
                + "{\"type\": \"video_url\", \"video_url\": {\"url\": \"" + dataUrl("video/mp4", "v000.mp4") + "\"}}]}], "
                + "\"model\": \"model\", \"max_tokens\": 16, \"temperature\": 0.0}";
        HttpResponse<String> response = server.post("/v1/chat/completions", body, headers);
        assertEquals(200, response.statusCode(), response.body());
        assertTrue(response.headers().firstValue("Content-Type").orElse("").startsWith("application/json"));
        JsonNode completion = json(response);
        assertTrue(completion.get("id").asText().startsWith("chatcmpl-"));
        assertEquals("chat.completion", completion.get("object").asText());
        assertEquals("model", completion.get("model").asText());
        assertTrue(completion.get("created").canConvertToLong());
        JsonNode choice = completion.at("/choices/0");
        assertEquals(0, choice.get("index").asInt());
        assertEquals("assistant", choice.at("/message/role").asText());
        assertEquals("green", choice.at("/message/content").asText(), "the demo model's answer");
        assertEquals("stop", choice.get("finish_reason").asText());
        JsonNode usage = completion.get("usage");
        assertEquals(usage.get("prompt_tokens").asInt() + usage.get("completion_tokens").asInt(), usage.get("total_tokens").asInt());

        String streamBody = body.replace("\"temperature\": 0.0}", "\"temperature\": 0.0, \"stream\": true, \"stream_options\": {\"include_usage\": true}}");
        HttpResponse<String> stream = server.post("/v1/chat/completions", streamBody, headers);
        List<String> finish = new ArrayList<>();
        assertEquals("green", streamedContent(stream.body(), finish));
        assertEquals(List.of("stop"), finish);
        List<String> events = stream.body().lines().filter(l -> l.startsWith("data: {")).toList();
        JsonNode first = ServeProcess.JSON.readTree(events.getFirst().substring(6));
        assertEquals("assistant", first.at("/choices/0/delta/role").asText(), "the first chunk names the role");
        JsonNode usageChunk = ServeProcess.JSON.readTree(events.getLast().substring(6));
        assertTrue(usageChunk.get("choices").isEmpty(), "include_usage: a last chunk with no choices");
        assertEquals(usage, usageChunk.get("usage"));

        JsonNode models = json(server.get("/v1/models", "Authorization", "Bearer sk-no-key-required"));
        assertEquals("list", models.get("object").asText());
        assertEquals("model", models.at("/data/0/id").asText());
        assertEquals("model", models.at("/data/0/object").asText());
    }

    @Test
    void aDialogueIsAnsweredAfterItsEarlierTurns() throws Exception {
        String body = "{\"messages\": [{\"role\": \"user\", \"content\": [{\"type\": \"video_url\", \"video_url\": {\"url\": \""
                + dataUrl("video/mp4", "v000.mp4") + "\"}}, {\"type\": \"text\", \"text\": \"What color is the shape?\"}]},"
                + "{\"role\": \"assistant\", \"content\": \"green\"}, {\"role\": \"user\", \"content\": \"Is the shape green?\"}], \"max_tokens\": 8}";
        HttpResponse<String> response = server.post("/v1/chat/completions", body);
        assertEquals(200, response.statusCode(), response.body());
        assertTrue(json(response).at("/usage/prompt_tokens").asInt() > 520, "the video's tokens stay in the prompt of a later turn");
    }

    @Test
    void eachKindOfBadRequestGetsItsStatusAndAnOpenAiErrorObject() throws Exception {
        String question = "What color is the shape?";
        List<Object[]> cases = List.of(
                new Object[] {400, "{not json", "/v1/chat/completions"},
                new Object[] {400, "{\"messages\": [{\"role\": \"user\", \"content\": \"hi\"}], \"n\": 2}", "/v1/chat/completions"},
                new Object[] {400, ServeLoad.chat("video_url", dataUrl("video/mp4", "v000.mp4"), question, 100000).toString(), "/v1/chat/completions"},
                new Object[] {400, ServeLoad.chat("video_url", "https://example.com/a.mp4", question, 8).toString(), "/v1/chat/completions"},
                new Object[] {403, ServeLoad.chat("video_url", "file:///etc/hostname", question, 8).toString(), "/v1/chat/completions"},
                new Object[] {403, ServeLoad.chat("video_url", CliProcess.path(MEDIA_ROOT).resolve("../questions.jsonl").toUri().toString(), question, 8).toString(),
                        "/v1/chat/completions"},
                new Object[] {404, "{\"model\": \"gpt-4o\", \"messages\": [{\"role\": \"user\", \"content\": \"hi\"}]}", "/v1/chat/completions"},
                new Object[] {404, "{}", "/v1/completions"},
                new Object[] {413, ServeLoad.chat("video_url", "data:video/mp4;base64," + "A".repeat(2 << 20), question, 8).toString(), "/v1/chat/completions"},
                new Object[] {422, ServeLoad.chat("video_url", "data:video/mp4;base64," + Base64.getEncoder().encodeToString(new byte[4096]), question, 8).toString(),
                        "/v1/chat/completions"},
                new Object[] {422, ServeLoad.chat("image_url", "data:image/png;base64," + Base64.getEncoder().encodeToString(new byte[512]), question, 8).toString(),
                        "/v1/chat/completions"});
        for (Object[] c : cases) {
            HttpResponse<String> response = server.post((String) c[2], (String) c[1]);
            String what = c[0] + " for " + ((String) c[1]).substring(0, Math.min(120, ((String) c[1]).length()));
            assertEquals((int) c[0], response.statusCode(), what + ": " + response.body());
            JsonNode error = json(response).get("error");
            assertNotNull(error, what);
            assertFalse(error.get("message").asText().isEmpty(), what);
            assertTrue(error.has("type") && error.has("param") && error.has("code"), what + ": " + error);
        }
        assertEquals(200, server.get("/health").statusCode(), "still healthy after the bad requests");
    }

    @Test
    void metricsAreInPrometheusTextFormat() throws Exception {
        HttpResponse<String> metrics = server.get("/metrics");
        assertEquals(200, metrics.statusCode());
        assertTrue(metrics.headers().firstValue("Content-Type").orElse("").startsWith("text/plain; version=0.0.4"));
        for (String name : List.of("vllava_requests_total", "vllava_queue_length", "vllava_batch_size", "vllava_decode_tokens_per_second",
                "vllava_time_to_first_token_seconds", "vllava_decode_batch_size")) {
            assertTrue(metrics.body().contains("# TYPE " + name + " "), name + " in\n" + metrics.body());
        }
    }

    @Test
    void concurrentMixedMediaRequestsAllSucceedWithTheirSequentialAnswers() {
        List<ObjectNode> distinct = ServeLoad.benchRequests(16, 16);
        ServeLoad.Report sequential = ServeLoad.run(server, distinct, 1, done -> {});
        List<ObjectNode> load = new ArrayList<>();
        for (int i = 0; i < 48; i++) {
            load.add(distinct.get((i * 7) % distinct.size()));
        }
        ServeLoad.Report concurrent = ServeLoad.run(server, load, 8, done -> {});
        for (int i = 0; i < load.size(); i++) {
            ServeLoad.Outcome expected = sequential.outcomes()[(i * 7) % distinct.size()];
            ServeLoad.Outcome actual = concurrent.outcomes()[i];
            assertEquals(200, expected.status(), expected.content());
            assertEquals(200, actual.status(), "request " + i + ": " + actual.content());
            assertEquals(expected.content(), actual.content(), "request " + i + " answered as when sent alone");
        }
        System.out.println("serve load (suite): " + concurrent.summary());
    }
}
