package dev.vllava.tokenizer;

import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.util.concurrent.TimeUnit;
import org.openjdk.jmh.annotations.Benchmark;
import org.openjdk.jmh.annotations.BenchmarkMode;
import org.openjdk.jmh.annotations.Fork;
import org.openjdk.jmh.annotations.Measurement;
import org.openjdk.jmh.annotations.Mode;
import org.openjdk.jmh.annotations.OutputTimeUnit;
import org.openjdk.jmh.annotations.Param;
import org.openjdk.jmh.annotations.Scope;
import org.openjdk.jmh.annotations.Setup;
import org.openjdk.jmh.annotations.State;
import org.openjdk.jmh.annotations.Warmup;
import org.openjdk.jmh.results.RunResult;
import org.openjdk.jmh.runner.Runner;
import org.openjdk.jmh.runner.RunnerException;
import org.openjdk.jmh.runner.options.OptionsBuilder;

/**
 * Encoding throughput on English prose (about 8 KB per call), for both tokenizer kinds: the real Video-LLaVA
 * tokenizer.json (Rust tokenizers through DJL) and tiny-a's tokenizer.model (the Java sentencepiece BPE).
 * Not a test: run {@link #main} (from the core module folder, test classpath) to print MB/s.
 */
@State(Scope.Benchmark)
@BenchmarkMode(Mode.Throughput)
@OutputTimeUnit(TimeUnit.SECONDS)
@Warmup(iterations = 2, time = 2)
@Measurement(iterations = 3, time = 2)
@Fork(value = 1, jvmArgsAppend = {"--enable-native-access=ALL-UNNAMED"})
public class TokenizerBenchmark {
    /** Original prose written for this benchmark (ordinary English: punctuation, numbers, a few long words). */
    static final String PARAGRAPH = """
            The video opens on a narrow street in the early morning, when the shops are still closed and the only \
            sound is a delivery van idling at the corner. A woman in a green coat walks past a bakery, stops, and \
            looks back at the window as if she had forgotten something. She checks her watch, shakes her head, and \
            keeps walking toward the river. Twelve seconds later a cyclist turns into the frame from the left, \
            swerves around a puddle, and nearly collides with a man carrying three long wooden boards on his \
            shoulder. Neither of them falls; the man spins halfway around, the boards sweep over the cyclist's \
            helmet, and both of them laugh. The camera stays still the whole time, which suggests it was mounted \
            on a wall or a window sill rather than held by hand. Toward the end, the light changes: clouds move \
            in, the colours flatten, and the first drops of rain darken the pavement in irregular spots. \
            The clip lasts about forty-five seconds and contains no speech, only traffic noise and, near the \
            end, the faint ringing of a church bell that seems to come from somewhere behind the camera.
            """;

    @Param({"tokenizer.json", "tokenizer.model"})
    public String kind;

    private Tokenizer tokenizer;
    private String text;

    static String prose() {
        StringBuilder text = new StringBuilder();
        for (int i = 1; text.length() < 8000; i++) {
            text.append("Part ").append(i).append(". ").append(PARAGRAPH).append('\n');
        }
        return text.toString();
    }

    @Setup
    public void setup() {
        Path testdata = Path.of(System.getProperty("vllava.testdata", "../testdata"));
        tokenizer = Tokenizer.load(kind.equals("tokenizer.json")
                ? testdata.resolve("tokenizer") : testdata.resolve("tiny-a/model"));
        text = prose();
    }

    @Benchmark
    public int[] encodeProse() {
        return tokenizer.encode(text, true);
    }

    public static void main(String[] args) throws RunnerException {
        int bytes = prose().getBytes(StandardCharsets.UTF_8).length;
        for (RunResult result : new Runner(new OptionsBuilder()
                .include(TokenizerBenchmark.class.getSimpleName())
                .build()).run()) {
            double callsPerSecond = result.getPrimaryResult().getScore();
            System.out.printf("%s: %.2f MB/s (%d bytes per call, %.1f calls/s)%n",
                    result.getParams().getParam("kind"), callsPerSecond * bytes / 1e6, bytes, callsPerSecond);
        }
    }
}
