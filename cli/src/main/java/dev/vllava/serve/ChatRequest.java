package dev.vllava.serve;

import dev.vllava.generate.SamplingOptions;
import java.util.List;

/**
 * A validated {@code POST /v1/chat/completions} body, with the dialogue already written as Video-LLaVA's prompt.
 *
 * @param prompt       the Vicuna prompt of the whole dialogue, placeholders in the order of {@code media}
 * @param media        images and videos in the order their placeholders appear
 * @param maxTokens    the client's token limit, or null for the server's default (as {@code ask}'s)
 * @param stop         up to four strings that end the answer where they first appear (not included)
 * @param includeUsage whether a streamed answer ends with a usage chunk ({@code stream_options.include_usage})
 */
record ChatRequest(String model, String prompt, List<MediaUrl> media, Integer maxTokens, SamplingOptions sampling,
        List<String> stop, boolean stream, boolean includeUsage) {}
