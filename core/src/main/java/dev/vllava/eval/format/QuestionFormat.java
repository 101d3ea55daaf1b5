package dev.vllava.eval.format;

import dev.vllava.VllavaException;
import java.io.BufferedReader;
import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Locale;

/**
 * The layout of a benchmark's files ({@code --format}): vllava's own JSON Lines, or one of the original
 * distributions read as they are.
 */
public enum QuestionFormat {
    /** vllava's questions file: one JSON object per line (docs/eval.md). */
    JSONL,
    /** Video-LLaVA's MSVD/MSRVTT/TGIF/ActivityNet-QA files: {@code test_q.json} and {@code test_a.json}. */
    VIDEOQA,
    /** LLaVA's {@code llava_pope_test.jsonl} with the COCO POPE label files {@code coco_pope_<split>.json}. */
    POPE,
    /** The MMBench TSV with base64 images. */
    MMBENCH;

    public String cliName() {
        return name().toLowerCase(Locale.ROOT);
    }

    public static QuestionFormat parse(String text) {
        for (QuestionFormat format : values()) {
            if (format.cliName().equalsIgnoreCase(text.strip())) {
                return format;
            }
        }
        throw VllavaException.usage("unknown --format '%s' (expected jsonl, videoqa, pope or mmbench)", text);
    }

    /**
     * The format of a questions file when none is given: {@code .tsv} is MMBench; a file that is one JSON
     * array is video QA; JSON Lines whose first object has {@code question_id} and {@code text} but no
     * {@code id} or {@code question} is POPE; anything else is vllava's JSON Lines.
     */
    public static QuestionFormat infer(Path questions) {
        if (questions.getFileName().toString().toLowerCase(Locale.ROOT).endsWith(".tsv")) {
            return MMBENCH;
        }
        String first = firstLine(questions);
        if (first.startsWith("[")) {
            return VIDEOQA;
        }
        boolean popeKeys = first.contains("\"question_id\"") && first.contains("\"text\"");
        boolean ownKeys = first.contains("\"id\"") || first.contains("\"question\"");
        return popeKeys && !ownKeys ? POPE : JSONL;
    }

    /** Characters read to infer a format: a first line is far shorter (the file may be /dev/zero). */
    private static final int SNIFF_CHARS = 1 << 16;

    private static String firstLine(Path file) {
        try (BufferedReader reader = Files.newBufferedReader(file, StandardCharsets.UTF_8)) {
            char[] start = new char[SNIFF_CHARS];
            int read = reader.read(start, 0, start.length);
            String head = read <= 0 ? "" : new String(start, 0, read);
            return head.lines().map(line -> line.replace("\uFEFF", "").strip()).filter(line -> !line.isEmpty())
                    .findFirst().orElse("");
        } catch (java.nio.file.NoSuchFileException e) {
            throw VllavaException.usage("%s: no such file", file);
        } catch (IOException e) {
            throw VllavaException.usage("%s: cannot read (%s)", file, e.getMessage());
        }
    }
}
