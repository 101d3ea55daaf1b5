package dev.vllava.cli;

import com.fasterxml.jackson.core.JacksonException;
import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.node.ArrayNode;
import com.fasterxml.jackson.databind.node.ObjectNode;
import dev.vllava.VllavaException;
import dev.vllava.tokenizer.Tokenizer;
import java.io.IOException;
import java.io.InputStream;
import java.io.InputStreamReader;
import java.io.OutputStreamWriter;
import java.io.PrintWriter;
import java.io.UncheckedIOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.util.List;
import java.util.StringJoiner;
import java.util.concurrent.Callable;
import picocli.CommandLine.Command;
import picocli.CommandLine.Option;
import picocli.CommandLine.Parameters;

/**
 * {@code vllava tokenize}: the model folder's tokenizer on the command line. Text to ids (or pieces), ids to text,
 * or JSON lines both ways; the folder may hold only the tokenizer files. Output is UTF-8 on stdout, one line per
 * input line.
 */
@Command(
        name = "tokenize",
        mixinStandardHelpOptions = true,
        description = {
            "Turn text into token ids (or pieces) with the model's tokenizer, or ids back into text.",
            "TEXT absent or '-': every line of stdin is one input."
        })
public final class TokenizeCommand implements Callable<Integer> {
    /** Created on first use: picocli instantiates every subcommand at start-up, and a mapper costs ~0.5 s of class loading. */
    private static final class Json {
        static final ObjectMapper MAPPER = new ObjectMapper();
    }

    @Option(names = "--model", required = true, paramLabel = "DIR",
            description = "Model folder with tokenizer.json or tokenizer.model (+ tokenizer_config.json).")
    Path model;

    @Parameters(index = "0", arity = "0..1", paramLabel = "TEXT",
            description = "Text to encode, or ids to decode (with --decode); '-' or absent: stdin lines.")
    String text;

    @Option(names = "--tokens", description = "Print the pieces (e.g. ▁the <0x0A>) instead of the ids.")
    boolean tokens;

    @Option(names = "--decode", description = "Input lines are ids (space or comma separated): print their text.")
    boolean decode;

    @Option(names = "--no-special", description = "Encode without BOS/EOS (add_special_tokens = false).")
    boolean noSpecial;

    @Option(names = "--skip-special", description = "Decode without special tokens (skip_special_tokens = true).")
    boolean skipSpecial;

    @Option(names = "--jsonl", description = {
        "Input lines are JSON: {\"text\", \"add_special_tokens\"} -> {\"ids\"},",
        "{\"ids\", \"skip_special_tokens\"} -> {\"text\"}."})
    boolean jsonl;

    private final InputStream in;
    private final PrintWriter out;

    public TokenizeCommand() {
        this(System.in, new PrintWriter(new OutputStreamWriter(System.out, StandardCharsets.UTF_8), true));
    }

    /** For tests: explicit stdin and stdout. */
    TokenizeCommand(InputStream in, PrintWriter out) {
        this.in = in;
        this.out = out;
    }

    @Override
    public Integer call() {
        Tokenizer tokenizer = Tokenizer.load(model);
        try {
            if (text != null && !text.equals("-")) {
                process(tokenizer, text, 1);
            } else {
                if (in == System.in) {
                    StdinText.requireOpen("text");
                }
                LineReader reader = new LineReader(new InputStreamReader(in, StandardCharsets.UTF_8), LineReader.PROMPT_LINE_CHARS);
                String line;
                int number = 0;
                while ((line = reader.readLine(number + 1)) != null) {
                    number++;
                    if (jsonl && line.isBlank()) {
                        continue;
                    }
                    process(tokenizer, line, number);
                }
            }
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        } finally {
            out.flush();
        }
        return 0;
    }

    private void process(Tokenizer tokenizer, String line, int number) {
        if (jsonl) {
            out.println(jsonLine(tokenizer, line, number));
        } else if (decode) {
            int[] ids = knownIds(tokenizer, parseIds(line, number), number);
            out.println(tokens ? pieces(tokenizer, ids) : tokenizer.decode(ids, skipSpecial));
        } else {
            int[] ids = tokenizer.encode(line, !noSpecial);
            out.println(tokens ? pieces(tokenizer, ids) : join(ids));
        }
        out.flush();
    }

    private String jsonLine(Tokenizer tokenizer, String line, int number) {
        JsonNode request;
        try {
            request = Json.MAPPER.readTree(line);
        } catch (JacksonException e) {
            throw VllavaException.usage("input line %d: not valid JSON (%s)", number,
                    e.getOriginalMessage().lines().findFirst().orElse("parse error"));
        }
        if (request == null || !request.isObject()) {
            throw VllavaException.usage("input line %d: not a JSON object", number);
        }
        ObjectNode response = Json.MAPPER.createObjectNode();
        if (request.has("text")) {
            if (!request.get("text").isTextual()) {
                throw VllavaException.usage("input line %d: \"text\" is not a string", number);
            }
            boolean addSpecial = flag(request, "add_special_tokens", !noSpecial, number);
            int[] ids = tokenizer.encode(request.get("text").asText(), addSpecial);
            ArrayNode array = response.putArray("ids");
            for (int id : ids) {
                array.add(id);
            }
            if (tokens) {
                ArrayNode pieces = response.putArray("tokens");
                for (int id : ids) {
                    pieces.add(tokenizer.piece(id));
                }
            }
        } else if (request.has("ids")) {
            JsonNode array = request.get("ids");
            if (!array.isArray()) {
                throw VllavaException.usage("input line %d: \"ids\" is not an array", number);
            }
            int[] ids = new int[array.size()];
            for (int i = 0; i < ids.length; i++) {
                if (!array.get(i).canConvertToInt() || !array.get(i).isIntegralNumber()) {
                    throw VllavaException.usage("input line %d: id %s is not an integer", number, array.get(i));
                }
                ids[i] = array.get(i).intValue();
            }
            boolean skip = flag(request, "skip_special_tokens", skipSpecial, number);
            response.put("text", tokenizer.decode(knownIds(tokenizer, ids, number), skip));
        } else {
            throw VllavaException.usage("input line %d: needs \"text\" (to encode) or \"ids\" (to decode)", number);
        }
        try {
            return Json.MAPPER.writeValueAsString(response);
        } catch (JacksonException e) {
            throw new IllegalStateException(e);
        }
    }

    private static boolean flag(JsonNode request, String key, boolean fallback, int number) {
        JsonNode value = request.get(key);
        if (value == null || value.isNull()) {
            return fallback;
        }
        if (!value.isBoolean()) {
            throw VllavaException.usage("input line %d: \"%s\" is not true or false", number, key);
        }
        return value.booleanValue();
    }

    private static int[] parseIds(String line, int number) {
        List<String> parts = List.of(line.strip().split("[\\s,]+"));
        if (line.isBlank()) {
            return new int[0];
        }
        int[] ids = new int[parts.size()];
        for (int i = 0; i < ids.length; i++) {
            try {
                ids[i] = Integer.parseInt(parts.get(i));
            } catch (NumberFormatException e) {
                throw VllavaException.usage("input line %d: '%s' is not a token id", number, parts.get(i));
            }
        }
        return ids;
    }

    /** Ids the user typed must be in the vocabulary: a bad one is a usage error, not a broken checkpoint. */
    private static int[] knownIds(Tokenizer tokenizer, int[] ids, int number) {
        for (int id : ids) {
            if (id < 0 || id >= tokenizer.vocabSize()) {
                throw VllavaException.usage("input line %d: token id %d is outside the vocabulary (ids 0..%d)", number, id,
                        tokenizer.vocabSize() - 1);
            }
        }
        return ids;
    }

    private static String pieces(Tokenizer tokenizer, int[] ids) {
        StringJoiner joiner = new StringJoiner(" ");
        for (int id : ids) {
            joiner.add(tokenizer.piece(id));
        }
        return joiner.toString();
    }

    private static String join(int[] ids) {
        StringJoiner joiner = new StringJoiner(" ");
        for (int id : ids) {
            joiner.add(Integer.toString(id));
        }
        return joiner.toString();
    }
}
