package dev.vllava.eval;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.node.ObjectNode;
import dev.vllava.VllavaException;
import dev.vllava.media.MediaPath;
import dev.vllava.model.MediaKind;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Locale;
import java.util.Map;

/**
 * One question of a benchmark, parsed from a line of the questions file:
 * {@code {"id", "video" | "image" | "videos" | "images", "question", "answer"?, "options"?, "hint"?, "type"?, ...}}.
 *
 * <p>{@link #fields()} keeps the whole input object verbatim (key order too): output lines are these fields
 * plus the prediction. Ids may be JSON strings or numbers; they are kept as given in the output and compared
 * as text ({@link #id()}), so {@code 7} and {@code "7"} name the same item.
 *
 * <p>A line whose fields are unusable (no question, a media field that is not a string, ...) still becomes
 * an item, with {@link #problem()} saying why: it is written out with an {@code error} instead of being
 * run, and the run goes on. Only a line without an id (or not JSON at all) stops the run, since its output
 * line could not be matched to it.
 *
 * @param lineNumber 1-based line in the questions file
 * @param index 0-based position among the item lines of the file (blank lines skipped): the shard key
 * @param media images first, then videos, in the order given: the order of the prompt placeholders
 * @param type the breakdown key: the {@code type} field, else {@code category} (POPE, MMBench), else null
 * @param problem why the item cannot be run, or null when it can
 */
public record EvalItem(
        int lineNumber,
        int index,
        String id,
        ObjectNode fields,
        String question,
        String answer,
        String hint,
        List<ChoiceOption> options,
        List<MediaRef> media,
        String type,
        String problem) {

    private static final String LETTERS = "ABCDEFGHIJKLMNOPQRSTUVWXYZ";

    /** Whether the item can be prepared and predicted. */
    public boolean valid() {
        return problem == null;
    }

    /** The id node exactly as the input gave it (string or number), for writing back out. */
    public JsonNode idNode() {
        return fields.get("id");
    }

    /**
     * The medium for the per-media breakdown: the {@code media} field when it is text (as in reference
     * prediction files), else {@code video}, {@code image}, {@code image+video} or {@code text} from the media.
     */
    public String mediaKind() {
        JsonNode given = fields.get("media");
        if (given != null && given.isTextual()) {
            return given.asText();
        }
        return mediaKind(fields);
    }

    /**
     * Parses one questions line.
     *
     * @param source the file name used in messages
     * @throws VllavaException (usage) when the line has no usable id
     */
    public static EvalItem parse(JsonNode node, String source, int lineNumber, int index, Path mediaRoot) {
        if (!(node instanceof ObjectNode object)) {
            throw VllavaException.usage("%s:%d: expected a JSON object per line", source, lineNumber);
        }
        String id = idText(object.get("id"));
        if (id == null) {
            throw VllavaException.usage(
                    "%s:%d: no \"id\" (each line needs a string or number id)", source, lineNumber);
        }
        List<String> problems = new ArrayList<>();
        String question = text(object, "question", problems, true);
        String answer = text(object, "answer", problems, false);
        String hint = text(object, "hint", problems, false);
        if (hint != null && isNone(hint)) {
            hint = null;
        }
        List<ChoiceOption> options = options(object.get("options"), problems);
        List<MediaRef> media = new ArrayList<>();
        media(object, "image", "images", MediaKind.IMAGE, mediaRoot, media, problems);
        media(object, "video", "videos", MediaKind.VIDEO, mediaRoot, media, problems);
        String type = groupKey(object);
        String problem = problems.isEmpty() ? null : source + ":" + lineNumber + ": " + String.join("; ", problems);
        return new EvalItem(lineNumber, index, id, object, question, answer, hint, options, List.copyOf(media),
                type, problem);
    }

    /** The id as text, or null when it is absent or neither a string nor a number. */
    static String idText(JsonNode idNode) {
        if (idNode == null || !(idNode.isTextual() || idNode.isNumber()) || idNode.asText().isEmpty()) {
            return null;
        }
        return idNode.asText();
    }

    static String groupKey(JsonNode object) {
        for (String field : new String[] {"type", "category"}) {
            JsonNode value = object.get(field);
            if (value != null && (value.isTextual() || value.isNumber()) && !value.asText().isEmpty()) {
                return value.asText();
            }
        }
        return null;
    }

    static String mediaKind(JsonNode object) {
        boolean image = object.hasNonNull("image") || object.hasNonNull("images");
        boolean video = object.hasNonNull("video") || object.hasNonNull("videos");
        return image && video ? "image+video" : video ? "video" : image ? "image" : "text";
    }

    private static String text(ObjectNode object, String field, List<String> problems, boolean required) {
        JsonNode value = object.get(field);
        if (value == null || value.isNull()) {
            if (required) {
                problems.add("no \"" + field + "\"");
            }
            return null;
        }
        if (value.isTextual() || value.isNumber() || value.isBoolean()) {
            return value.asText();
        }
        problems.add("\"" + field + "\" must be a string");
        return null;
    }

    /** MMBench's TSV writes absent hints and options as NaN; LLaVA's eval treats nan/none as absent. */
    private static boolean isNone(String value) {
        String lower = value.strip().toLowerCase(Locale.ROOT);
        return lower.isEmpty() || lower.equals("nan") || lower.equals("none");
    }

    private static List<ChoiceOption> options(JsonNode value, List<String> problems) {
        if (value == null || value.isNull()) {
            return List.of();
        }
        List<ChoiceOption> options = new ArrayList<>();
        if (value.isArray()) {
            // As LLaVA's MMBench loader: options end at the first absent one.
            for (JsonNode option : value) {
                if (option.isNull() || (option.isTextual() && isNone(option.asText()))) {
                    break;
                }
                if (options.size() == LETTERS.length() || !(option.isTextual() || option.isNumber())) {
                    problems.add("\"options\" must be a list of at most 26 strings");
                    return List.of();
                }
                options.add(new ChoiceOption(String.valueOf(LETTERS.charAt(options.size())), option.asText()));
            }
        } else if (value.isObject()) {
            for (Map.Entry<String, JsonNode> entry : value.properties()) {
                String letter = entry.getKey().strip().toUpperCase(Locale.ROOT);
                JsonNode option = entry.getValue();
                if (option.isNull() || (option.isTextual() && isNone(option.asText()))) {
                    continue;
                }
                if (letter.length() != 1 || LETTERS.indexOf(letter.charAt(0)) < 0
                        || !(option.isTextual() || option.isNumber())) {
                    problems.add("\"options\" object must map letters A-Z to strings");
                    return List.of();
                }
                options.add(new ChoiceOption(letter, option.asText()));
            }
        } else {
            problems.add("\"options\" must be a list or an object of letters");
        }
        return List.copyOf(options);
    }

    private static void media(ObjectNode object, String single, String plural, MediaKind kind, Path root,
            List<MediaRef> media, List<String> problems) {
        JsonNode one = object.get(single);
        if (one != null && !one.isNull()) {
            if (one.isTextual() && MediaPath.isUrl(one.asText())) {
                problems.add("\"" + single + "\": " + MediaPath.urlRefused(one.asText()));
            } else if (one.isTextual() && !one.asText().isBlank()) {
                media.add(new MediaRef(kind, root.resolve(one.asText())));
            } else {
                problems.add("\"" + single + "\" must be a file path");
            }
        }
        JsonNode many = object.get(plural);
        if (many != null && !many.isNull()) {
            if (!many.isArray()) {
                problems.add("\"" + plural + "\" must be a list of file paths");
                return;
            }
            for (JsonNode path : many) {
                if (path.isTextual() && MediaPath.isUrl(path.asText())) {
                    problems.add("\"" + plural + "\": " + MediaPath.urlRefused(path.asText()));
                    return;
                } else if (path.isTextual() && !path.asText().isBlank()) {
                    media.add(new MediaRef(kind, root.resolve(path.asText())));
                } else {
                    problems.add("\"" + plural + "\" must be a list of file paths");
                    return;
                }
            }
        }
    }
}
