package dev.vllava.eval.format;

import com.fasterxml.jackson.databind.MappingIterator;
import com.fasterxml.jackson.databind.node.ObjectNode;
import com.fasterxml.jackson.dataformat.csv.CsvMapper;
import com.fasterxml.jackson.dataformat.csv.CsvParser;
import com.fasterxml.jackson.dataformat.csv.CsvSchema;
import dev.vllava.VllavaException;
import java.io.IOException;
import java.io.Reader;
import java.io.StringReader;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardCopyOption;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.Base64;
import java.util.HashMap;
import java.util.List;
import java.util.Map;

/**
 * The MMBench TSV as OpenCompass distributes it ({@code index, question, hint, A, B, C, D, answer,
 * category, l2-category, image, ...}; empty cells are pandas' NaN). Each row becomes a {@code choice} item
 * whose id and index are the row's {@code index}, whose options are the non-empty letter columns, and
 * whose image is the row's base64 image written once as a file ({@code <index>.jpg} or {@code .png}) into
 * the image folder. In the circular TSVs a rotated copy's {@code image} cell holds the index of the row
 * that carries the picture; it is resolved to that row's file. Other columns are kept as they are.
 */
public final class MmbenchReader {
    private static final String LETTERS = "ABCDEFGHIJKLMNOPQRSTUVWXYZ";
    /** A cell this short is a reference to another row's image, not an image. */
    private static final int REFERENCE_MAX_LENGTH = 64;

    private MmbenchReader() {}

    /** The default image folder: beside the TSV, named after it ({@code MMBench_DEV_EN.images}). */
    public static Path defaultImageFolder(Path tsv) {
        String name = tsv.getFileName().toString();
        int dot = name.lastIndexOf('.');
        return tsv.toAbsolutePath().resolveSibling((dot > 0 ? name.substring(0, dot) : name) + ".images");
    }

    /** @param imageFolder where the images are written (created if absent; existing files are kept) */
    public static List<Row> read(Path tsv, Path imageFolder) {
        List<Map<String, String>> records = records(tsv);
        Map<String, String> imageOfIndex = new HashMap<>();
        for (Map<String, String> record : records) {
            String image = record.getOrDefault("image", "");
            if (image.length() > REFERENCE_MAX_LENGTH) {
                imageOfIndex.put(record.get("index"), writeImage(imageFolder, record.get("index"), image));
            }
        }
        List<Row> rows = new ArrayList<>();
        for (int r = 0; r < records.size(); r++) {
            rows.add(new Row(r + 2, item(records.get(r), imageOfIndex))); // +2: the header is line 1
        }
        return rows;
    }

    private static ObjectNode item(Map<String, String> record, Map<String, String> imageOfIndex) {
        ObjectNode fields = BenchmarkJson.MAPPER.createObjectNode();
        String index = record.getOrDefault("index", "").strip();
        if (index.matches("-?[0-9]{1,18}")) {
            fields.put("id", Long.parseLong(index));
            fields.put("index", Long.parseLong(index));
        } else {
            fields.put("id", index);
            fields.put("index", index);
        }
        String image = record.getOrDefault("image", "").strip();
        String file = image.length() > REFERENCE_MAX_LENGTH ? imageOfIndex.get(index) : imageOfIndex.get(image);
        if (file != null) {
            fields.put("image", file);
        }
        putText(fields, "question", record.get("question"));
        putText(fields, "hint", record.get("hint"));
        ObjectNode options = fields.putObject("options");
        for (char letter : LETTERS.toCharArray()) {
            String option = record.get(String.valueOf(letter));
            if (option != null && !option.isEmpty()) {
                options.put(String.valueOf(letter), option);
            }
        }
        putText(fields, "answer", record.get("answer"));
        record.forEach((column, value) -> {
            boolean letter = column.length() == 1 && LETTERS.contains(column);
            if (!fields.has(column) && !letter && !column.equals("image") && !value.isEmpty()) {
                fields.put(column, value);
            }
        });
        return fields;
    }

    private static void putText(ObjectNode fields, String field, String value) {
        if (value != null && !value.isEmpty()) {
            fields.put(field, value);
        }
    }

    private static List<Map<String, String>> records(Path tsv) {
        CsvMapper csv = new CsvMapper().enable(CsvParser.Feature.WRAP_AS_ARRAY);
        CsvSchema schema = CsvSchema.emptySchema().withHeader().withColumnSeparator('\t').withQuoteChar('"');
        try (Reader reader = new StringReader(BenchmarkJson.BENCHMARK_FILE.readText(tsv));
                MappingIterator<Map<String, String>> rows = csv.readerForMapOf(String.class).with(schema).readValues(reader)) {
            List<Map<String, String>> records = rows.readAll();
            if (!records.isEmpty() && !records.getFirst().containsKey("index")) {
                throw VllavaException.usage("%s: no \"index\" column (not an MMBench TSV? columns: %s)", tsv,
                        String.join(", ", records.getFirst().keySet()));
            }
            return records;
        } catch (java.nio.file.NoSuchFileException e) {
            throw VllavaException.usage("%s: no such file", tsv);
        } catch (IOException | RuntimeException e) {
            if (e instanceof VllavaException known) {
                throw known;
            }
            throw VllavaException.usage("%s: not a readable TSV (%s)", tsv, e.getMessage().lines().findFirst().orElse(""));
        }
    }

    /** Decodes a row's image into {@code <index>.<ext>} unless a file of the same bytes is there already. */
    private static String writeImage(Path folder, String index, String base64) {
        byte[] bytes;
        try {
            bytes = Base64.getMimeDecoder().decode(base64.strip());
        } catch (IllegalArgumentException e) {
            throw VllavaException.usage("MMBench row with index %s: the image is not base64 (%s)", index, e.getMessage());
        }
        String name = index + (isPng(bytes) ? ".png" : ".jpg");
        Path file = folder.resolve(name);
        try {
            if (Files.isRegularFile(file) && Arrays.equals(Files.readAllBytes(file), bytes)) {
                return name;
            }
            Files.createDirectories(folder);
            Path temporary = Files.createTempFile(folder, name, ".part");
            Files.write(temporary, bytes);
            Files.move(temporary, file, StandardCopyOption.REPLACE_EXISTING, StandardCopyOption.ATOMIC_MOVE);
            return name;
        } catch (IOException e) {
            throw VllavaException.usage("%s: cannot write MMBench's images here (%s); give --media-root DIR", folder,
                    e.getMessage());
        }
    }

    private static boolean isPng(byte[] bytes) {
        return bytes.length > 4 && (bytes[0] & 0xff) == 0x89 && bytes[1] == 'P' && bytes[2] == 'N' && bytes[3] == 'G';
    }
}
