package dev.vllava.eval.judge;

import com.fasterxml.jackson.core.JsonProcessingException;
import com.fasterxml.jackson.core.json.JsonReadFeature;
import com.fasterxml.jackson.databind.DeserializationFeature;
import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.json.JsonMapper;
import java.math.BigDecimal;
import java.util.Locale;

/**
 * The judge's verdict on one answer: {@code pred} yes or no, and the 0-5 {@code score} as the judge wrote it
 * (the prompt asks for an integer, but its own example is 4.8).
 */
public record Verdict(String pred, BigDecimal score) {
    /**
     * Python-dict quoting ({@code {'pred': 'yes', 'score': 4}}) is what the prompt asks for; JSON quoting,
     * unquoted keys and a trailing comma are read too.
     */
    private static final ObjectMapper LENIENT = JsonMapper.builder()
            .enable(JsonReadFeature.ALLOW_SINGLE_QUOTES, JsonReadFeature.ALLOW_UNQUOTED_FIELD_NAMES,
                    JsonReadFeature.ALLOW_TRAILING_COMMA)
            .enable(DeserializationFeature.USE_BIG_DECIMAL_FOR_FLOATS)
            .build();

    /**
     * Reads the first {@code {...}} in the reply that holds a {@code pred} of yes/no (any case, a final
     * period ignored) and a numeric {@code score} (a number or a numeric string), whatever text surrounds it
     * (code fences, "Here is my evaluation:"). The original script needs the reply to be exactly a Python
     * literal; a reply it would refuse and we read is counted the same way as any other.
     *
     * @return null when no such object is in the reply
     */
    public static Verdict parse(String reply) {
        for (int open = reply.indexOf('{'); open >= 0; open = reply.indexOf('{', open + 1)) {
            int close = matchingBrace(reply, open);
            if (close < 0) {
                return null;
            }
            Verdict verdict = fromObject(reply.substring(open, close + 1));
            if (verdict != null) {
                return verdict;
            }
        }
        return null;
    }

    private static Verdict fromObject(String text) {
        JsonNode node;
        try {
            node = LENIENT.readTree(text);
        } catch (JsonProcessingException e) {
            return null;
        }
        String pred = pred(node.get("pred"));
        BigDecimal score = score(node.get("score"));
        return pred == null || score == null ? null : new Verdict(pred, score);
    }

    private static String pred(JsonNode value) {
        if (value == null || !value.isTextual()) {
            return null;
        }
        String text = value.asText().strip().toLowerCase(Locale.ROOT);
        if (text.endsWith(".")) {
            text = text.substring(0, text.length() - 1);
        }
        return text.equals("yes") || text.equals("no") ? text : null;
    }

    private static BigDecimal score(JsonNode value) {
        if (value == null) {
            return null;
        }
        if (value.isNumber()) {
            return value.decimalValue();
        }
        if (value.isTextual()) {
            try {
                return new BigDecimal(value.asText().strip());
            } catch (NumberFormatException e) {
                return null;
            }
        }
        return null;
    }

    /** The index of the brace closing the one at {@code open}, skipping quoted strings; -1 if none. */
    private static int matchingBrace(String text, int open) {
        int depth = 0;
        char quote = 0;
        for (int i = open; i < text.length(); i++) {
            char c = text.charAt(i);
            if (quote != 0) {
                if (c == '\\') {
                    i++;
                } else if (c == quote) {
                    quote = 0;
                }
            } else if (c == '\'' || c == '"') {
                quote = c;
            } else if (c == '{') {
                depth++;
            } else if (c == '}' && --depth == 0) {
                return i;
            }
        }
        return -1;
    }
}
