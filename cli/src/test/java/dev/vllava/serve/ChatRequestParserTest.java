package dev.vllava.serve;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import com.fasterxml.jackson.databind.JsonNode;
import dev.vllava.model.MediaKind;
import java.io.IOException;
import java.util.List;
import org.junit.jupiter.api.Test;

class ChatRequestParserTest {
    private final ChatRequestParser parser = new ChatRequestParser("Video-LLaVA-7B-hf");

    private ChatRequest parse(String json) {
        return parser.parse(read(json));
    }

    private static JsonNode read(String json) {
        try {
            return OpenAiJson.MAPPER.readTree(json.replace('\'', '"'));
        } catch (IOException e) {
            throw new AssertionError(e);
        }
    }

    private int status(String json) {
        return assertThrows(ApiException.class, () -> parse(json)).status();
    }

    @Test
    void aVideoQuestionBecomesTheModelCardPrompt() {
        ChatRequest request = parse("{'messages': [{'role': 'user', 'content': ["
                + "{'type': 'video_url', 'video_url': {'url': 'data:video/mp4;base64,AAAA'}},"
                + "{'type': 'text', 'text': 'Why is this video funny?'}]}]}");
        assertEquals("USER: <video>\nWhy is this video funny? ASSISTANT:", request.prompt());
        assertEquals(List.of(new MediaUrl(MediaKind.VIDEO, "data:video/mp4;base64,AAAA")), request.media());
        assertTrue(request.sampling().greedy(), "greedy unless the client asks for sampling, as ask");
        assertNull(request.maxTokens());
        assertFalse(request.stream());
    }

    @Test
    void aDialogueBecomesTheVicunaPromptThatChatBuilds() {
        ChatRequest request = parse("{'messages': ["
                + "{'role': 'system', 'content': 'Be brief.'},"
                + "{'role': 'user', 'content': [{'type': 'text', 'text': 'What is it?'}, {'type': 'image_url', 'image_url': {'url': 'data:image/png;base64,AA=='}}]},"
                + "{'role': 'assistant', 'content': 'A cat.'},"
                + "{'role': 'user', 'content': 'What colour?'}]}");
        assertEquals("Be brief. USER: <image>\nWhat is it? ASSISTANT: A cat.</s>USER: What colour? ASSISTANT:", request.prompt());
        assertEquals(1, request.media().size());
    }

    @Test
    void placeholdersOfATurnAreImagesThenVideosWithMediaInTheSameOrder() {
        ChatRequest request = parse("{'messages': [{'role': 'user', 'content': ["
                + "{'type': 'video_url', 'video_url': {'url': 'data:v;base64,AA=='}},"
                + "{'type': 'image_url', 'image_url': {'url': 'data:i;base64,AA=='}},"
                + "{'type': 'text', 'text': 'Compare.'}]}]}");
        assertEquals("USER: <image>\n<video>\nCompare. ASSISTANT:", request.prompt());
        assertEquals(List.of(MediaKind.IMAGE, MediaKind.VIDEO), request.media().stream().map(MediaUrl::kind).toList());
    }

    @Test
    void samplingLimitsAndStreamingOptionsAreRead() {
        ChatRequest request = parse("{'model': 'Video-LLaVA-7B-hf', 'messages': [{'role': 'user', 'content': 'hi'}],"
                + "'max_completion_tokens': 7, 'max_tokens': 99, 'temperature': 0.7, 'top_p': 0.9, 'seed': 5, 'stop': ['x', 'y'],"
                + "'stream': true, 'stream_options': {'include_usage': true}, 'n': 1}");
        assertEquals(7, request.maxTokens(), "max_completion_tokens takes precedence over the deprecated max_tokens");
        assertEquals(0.7, request.sampling().temperature());
        assertEquals(0.9, request.sampling().topP());
        assertEquals(5, request.sampling().seed());
        assertEquals(List.of("x", "y"), request.stop());
        assertTrue(request.stream());
        assertTrue(request.includeUsage());
    }

    @Test
    void malformedRequestsAre400() {
        assertEquals(400, status("[]"));
        assertEquals(400, status("{}"));
        assertEquals(400, status("{'messages': []}"));
        assertEquals(400, status("{'messages': [{'role': 'user', 'content': 'a'}], 'n': 2}"));
        assertEquals(400, status("{'messages': [{'role': 'user', 'content': 'a'}], 'max_tokens': 0}"));
        assertEquals(400, status("{'messages': [{'role': 'user', 'content': 'a'}], 'temperature': 'hot'}"));
        assertEquals(400, status("{'messages': [{'role': 'user', 'content': 'a'}], 'top_p': 0}"));
        assertEquals(400, status("{'messages': [{'role': 'user', 'content': 'a'}], 'stop': ['a', 'b', 'c', 'd', 'e']}"));
        assertEquals(400, status("{'messages': [{'role': 'user', 'content': 'a'}], 'logprobs': true}"));
        assertEquals(400, status("{'messages': [{'role': 'user', 'content': 'a'}], 'tools': [{'type': 'function'}]}"));
        assertEquals(400, status("{'messages': [{'role': 'assistant', 'content': 'a'}]}"));
        assertEquals(400, status("{'messages': [{'role': 'user', 'content': 'a'}, {'role': 'assistant', 'content': 'b'}]}"));
        assertEquals(400, status("{'messages': [{'role': 'tool', 'content': 'a'}]}"));
        assertEquals(400, status("{'messages': [{'role': 'user', 'content': [{'type': 'audio', 'audio': {}}]}]}"));
        assertEquals(400, status("{'messages': [{'role': 'user', 'content': 'a'}, {'role': 'system', 'content': 'late'}]}"));
    }

    @Test
    void anotherModelNameIs404() {
        assertEquals(404, status("{'model': 'gpt-4o', 'messages': [{'role': 'user', 'content': 'a'}]}"));
    }
}
