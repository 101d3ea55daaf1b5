package dev.vllava.eval.judge;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import com.fasterxml.jackson.databind.JsonNode;
import dev.vllava.Failure;
import dev.vllava.VllavaException;
import java.math.BigDecimal;
import java.net.URI;
import java.time.Duration;
import java.util.List;
import org.junit.jupiter.api.Test;

/** The judge against a real chat-completions server on 127.0.0.1. */
class JudgeTest {
    private static JudgeOptions options(URI base, String key, int retries, Duration timeout) {
        return new JudgeOptions(base, "gpt-3.5-turbo", key, retries, 1, timeout, Duration.ofMillis(5));
    }

    private static Judge.Outcome judgeOnce(FakeJudgeServer server, int retries, Duration timeout) {
        try (Judge judge = new Judge(options(server.base(), null, retries, timeout))) {
            return judge.judge("What is the man doing?", "dancing", "He is dancing.");
        }
    }

    @Test
    void sendsVideoLlavaPromptAtTemperatureZeroAndReadsADictQuotedReply() throws Exception {
        try (FakeJudgeServer server = new FakeJudgeServer((request, attempt) ->
                FakeJudgeServer.Response.ok("{'pred': 'yes', 'score': 4}"));
                Judge judge = new Judge(options(server.base(), "sk-test", 2, Duration.ofSeconds(10)))) {
            Judge.Outcome outcome = judge.judge("What is the man doing?", "dancing", "He is dancing.");
            assertEquals(new Verdict("yes", new BigDecimal("4")), outcome.verdict());
            assertEquals("judge-reported-name", outcome.model(), "the model the endpoint reports is recorded");
            JsonNode request = server.requests().getFirst();
            assertEquals("gpt-3.5-turbo", request.get("model").asText());
            assertEquals(0, request.get("temperature").asInt());
            List<JudgePrompt.Message> expected = JudgePrompt.messages("What is the man doing?", "dancing", "He is dancing.");
            assertEquals(2, request.get("messages").size());
            for (int m = 0; m < 2; m++) {
                assertEquals(expected.get(m).role(), request.get("messages").get(m).get("role").asText());
                assertEquals(expected.get(m).content(), request.get("messages").get(m).get("content").asText());
            }
            assertEquals("Bearer sk-test", server.authorizations().getFirst());
        }
    }

    @Test
    void readsJsonRepliesWithSurroundingText() throws Exception {
        try (FakeJudgeServer server = new FakeJudgeServer((request, attempt) -> FakeJudgeServer.Response.ok(
                "Here is my evaluation:\n```json\n{\"pred\": \"No\", \"score\": 1.5}\n```"))) {
            Judge.Outcome outcome = judgeOnce(server, 0, Duration.ofSeconds(10));
            assertEquals(new Verdict("no", new BigDecimal("1.5")), outcome.verdict());
            assertEquals(1, server.requests().size());
            assertEquals("", server.authorizations().getFirst(), "no key, no Authorization header");
        }
    }

    @Test
    void garbageIsRetriedThenRecordedAsAnError() throws Exception {
        try (FakeJudgeServer server = new FakeJudgeServer((request, attempt) ->
                FakeJudgeServer.Response.ok("I think the answer is mostly right."))) {
            Judge.Outcome outcome = judgeOnce(server, 2, Duration.ofSeconds(10));
            assertNull(outcome.verdict());
            assertEquals("unparseable reply: I think the answer is mostly right. (3 attempts)", outcome.error());
            assertEquals(3, server.requests().size(), "one attempt and two retries");
        }
    }

    @Test
    void tooManyRequestsThenSuccess() throws Exception {
        try (FakeJudgeServer server = new FakeJudgeServer((request, attempt) -> attempt == 1
                ? new FakeJudgeServer.Response(429, "{\"error\": {\"message\": \"Rate limit reached\"}}", 0)
                : FakeJudgeServer.Response.ok("{'pred': 'yes', 'score': 5}"))) {
            Judge.Outcome outcome = judgeOnce(server, 3, Duration.ofSeconds(10));
            assertEquals(new Verdict("yes", new BigDecimal("5")), outcome.verdict());
            assertEquals(2, server.requests().size());
        }
    }

    @Test
    void serverErrorsPastTheRetryLimitAreRecorded() throws Exception {
        try (FakeJudgeServer server = new FakeJudgeServer((request, attempt) ->
                new FakeJudgeServer.Response(500, "{\"error\": \"overloaded\"}", 0))) {
            Judge.Outcome outcome = judgeOnce(server, 2, Duration.ofSeconds(10));
            assertEquals("HTTP 500: {\"error\": \"overloaded\"} (3 attempts)", outcome.error());
            assertEquals(3, server.requests().size());
        }
    }

    @Test
    void slowRepliesPastTheTimeoutAreRetriedThenRecorded() throws Exception {
        try (FakeJudgeServer server = new FakeJudgeServer((request, attempt) ->
                new FakeJudgeServer.Response(200, FakeJudgeServer.completion("{'pred': 'yes', 'score': 3}", "m"), 3000))) {
            long start = System.nanoTime();
            Judge.Outcome outcome = judgeOnce(server, 1, Duration.ofMillis(300));
            assertTrue(outcome.error().startsWith("no reply within"), outcome.error());
            assertTrue(outcome.error().endsWith("(2 attempts)"), outcome.error());
            assertTrue(System.nanoTime() - start < 2_500_000_000L, "gave up before the slow replies came");
        }
    }

    @Test
    void aRefusedKeyStopsTheJudging() throws Exception {
        try (FakeJudgeServer server = new FakeJudgeServer((request, attempt) ->
                new FakeJudgeServer.Response(401, "{\"error\": \"invalid api key\"}", 0))) {
            VllavaException e = assertThrows(VllavaException.class, () -> judgeOnce(server, 3, Duration.ofSeconds(10)));
            assertEquals(Failure.USAGE, e.failure());
            assertTrue(e.getMessage().contains("HTTP 401"), e.getMessage());
            assertEquals(1, server.requests().size(), "not retried");
        }
    }

    @Test
    void anUnreachableEndpointStopsTheJudgingOnceItsRetriesAreSpent() throws Exception {
        URI closed;
        try (FakeJudgeServer server = new FakeJudgeServer((request, attempt) -> FakeJudgeServer.Response.ok("{}"))) {
            closed = server.base();
        }
        try (Judge judge = new Judge(options(closed, null, 1, Duration.ofSeconds(5)))) {
            VllavaException e = assertThrows(VllavaException.class, () -> judge.judge("q", "a", "p"));
            assertEquals(Failure.USAGE, e.failure());
            assertTrue(e.getMessage().contains("unreachable after 2 attempts"), e.getMessage());
        }
    }
}
