package dev.vllava.cli;

import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.node.ObjectNode;
import dev.vllava.VllavaException;
import dev.vllava.engine.Engine;
import dev.vllava.engine.cpu.CpuEngine;
import dev.vllava.generate.SamplingOptions;
import dev.vllava.generate.TokenListener;
import dev.vllava.model.Answer;
import dev.vllava.model.Pipeline;
import dev.vllava.model.VisualInput;
import dev.vllava.tokenizer.StreamingDecoder;
import java.io.PrintStream;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.Callable;
import picocli.CommandLine.ArgGroup;
import picocli.CommandLine.Command;
import picocli.CommandLine.Option;
import picocli.CommandLine.Parameters;

/**
 * {@code vllava ask}: one question about images and videos, the answer on stdout (streamed as it is
 * generated, or as one JSON object with {@code --json}). All the work is in {@link Pipeline}.
 */
@Command(name = "ask", mixinStandardHelpOptions = true, sortOptions = false,
        description = "Answer one question about videos and/or images.")
final class AskCommand implements Callable<Integer> {

    @Option(names = "--model", required = true, paramLabel = "DIR", description = "Checkpoint folder (config.json, *.safetensors, tokenizer).")
    Path modelDir;

    @Option(names = "--video", paramLabel = "FILE", description = "A video; repeat for several (they fill <video> placeholders in order).")
    List<Path> videos = new ArrayList<>();

    @Option(names = "--image", paramLabel = "FILE", description = "An image; repeat for several (they fill <image> placeholders in order).")
    List<Path> images = new ArrayList<>();

    @Option(names = "--frames", paramLabel = "N", defaultValue = "8", description = "Frames sampled per video (default: ${DEFAULT-VALUE}).")
    int frames;

    @ArgGroup(exclusive = true, multiplicity = "1")
    PromptChoice prompt;

    static final class PromptChoice {
        @Parameters(paramLabel = "QUESTION", description = "The question; it is wrapped as USER: <image>\\n<video>\\nQUESTION ASSISTANT:.")
        String question;

        @Option(names = "--raw-prompt", paramLabel = "TEXT", description = "The exact prompt, with <image>/<video> placeholders where the media go.")
        String rawPrompt;
    }

    @Option(names = "--max-new-tokens", paramLabel = "N", description = "Most tokens to generate (default: generation_config.json's max_new_tokens, else 256).")
    Integer maxNewTokens;

    @Option(names = "--temperature", paramLabel = "T", defaultValue = "0", description = "0 = greedy (default); > 0 samples.")
    double temperature;

    @Option(names = "--top-k", paramLabel = "K", defaultValue = "0", description = "Sample among the K most likely tokens (0 = all).")
    int topK;

    @Option(names = "--top-p", paramLabel = "P", defaultValue = "1", description = "Sample among the most likely tokens holding probability P (1 = all).")
    double topP;

    @Option(names = "--seed", paramLabel = "N", defaultValue = "0", description = "Sampling seed: the same seed gives the same answer (default: ${DEFAULT-VALUE}).")
    long seed;

    @Option(names = "--backend", paramLabel = "NAME", defaultValue = "cpu", description = "Compute engine: cpu (default).")
    String backend;

    @Option(names = "--threads", paramLabel = "N", description = "CPU threads (default: all cores).")
    Integer threads;

    @Option(names = "--json", description = "Print one JSON object (answer, token_ids, timings) instead of streaming the answer.")
    boolean json;

    @Override
    public Integer call() {
        SamplingOptions sampling = new SamplingOptions(temperature, topK, topP, seed);
        if (frames < 1) {
            throw VllavaException.usage("--frames must be at least 1, got %d", frames);
        }
        PrintStream out = new PrintStream(System.out, false, StandardCharsets.UTF_8);
        try (Engine engine = openEngine(); Pipeline pipeline = Pipeline.load(modelDir, engine)) {
            List<VisualInput> media = new ArrayList<>();
            images.forEach(file -> media.add(pipeline.image(file)));
            videos.forEach(file -> media.add(pipeline.video(file, frames)));
            int limit = maxNewTokens != null ? maxNewTokens : pipeline.generationConfig().maxNewTokens().orElse(256);
            StreamingDecoder decoder = pipeline.tokenizer().streamingDecoder();
            TokenListener listener = json ? TokenListener.NONE : id -> {
                out.print(decoder.accept(id));
                out.flush();
            };
            Answer answer = pipeline.answer(promptText(), media, pipeline.options(limit, sampling), listener);
            if (json) {
                out.println(toJson(answer, engine.name()));
            } else {
                out.println(decoder.flush());
            }
            out.flush();
        }
        return 0;
    }

    /** The raw prompt, or the question in Video-LLaVA's template with one placeholder line per medium. */
    private String promptText() {
        if (prompt.rawPrompt != null) {
            return prompt.rawPrompt;
        }
        StringBuilder text = new StringBuilder("USER: ");
        images.forEach(file -> text.append("<image>\n"));
        videos.forEach(file -> text.append("<video>\n"));
        return text.append(prompt.question).append(" ASSISTANT:").toString();
    }

    private Engine openEngine() {
        if (!backend.equals("cpu")) {
            throw VllavaException.usage("--backend %s: only cpu is available in this version of ask", backend);
        }
        int count = threads != null ? threads : Runtime.getRuntime().availableProcessors();
        if (count < 1) {
            throw VllavaException.usage("--threads must be at least 1, got %d", count);
        }
        return new CpuEngine(count);
    }

    /** The {@code --json} contract: field names are stable, tests pin them. */
    static String toJson(Answer answer, String backend) {
        ObjectMapper mapper = new ObjectMapper();
        ObjectNode root = mapper.createObjectNode();
        root.put("answer", answer.text());
        root.putPOJO("token_ids", answer.tokenIds());
        root.put("prompt_tokens", answer.promptTokens());
        root.put("generated_tokens", answer.generatedTokens());
        root.put("finish_reason", answer.finishReason().jsonName());
        root.put("backend", backend);
        ObjectNode timings = root.putObject("timings_ms");
        timings.put("vision", round(answer.timings().visionMs()));
        timings.put("prefill", round(answer.timings().prefillMs()));
        timings.put("decode", round(answer.timings().decodeMs()));
        timings.put("total", round(answer.timings().totalMs()));
        try {
            return mapper.writeValueAsString(root);
        } catch (com.fasterxml.jackson.core.JsonProcessingException e) {
            throw new IllegalStateException(e);
        }
    }

    private static double round(double ms) {
        return Math.round(ms * 10) / 10.0;
    }
}
