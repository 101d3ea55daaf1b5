package dev.vllava.checkpoint;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import dev.vllava.Failure;
import dev.vllava.VllavaException;
import dev.vllava.io.BoundedInput;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.LinkOption;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.HashSet;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Set;

/**
 * The safetensors files of a model folder, opened (headers only) and cross-checked: either
 * {@code model.safetensors}, or {@code model.safetensors.index.json} whose {@code weight_map} names
 * the shard of every tensor. Damage is recorded in {@link CheckpointProblems}, not thrown, so that
 * one run reports every broken shard.
 */
final class CheckpointFiles implements AutoCloseable {
    static final String SINGLE = "model.safetensors";
    static final String INDEX = "model.safetensors.index.json";

    /** The index of a 400B model lists a few thousand tensors: well under 1 MB. */
    private static final BoundedInput INDEX_FILE = new BoundedInput(Failure.CHECKPOINT, "safetensors index", 64 * BoundedInput.MIB);

    final List<SafeTensorsFile> files = new ArrayList<>();
    /** Every readable tensor, by name. */
    final Map<String, SafeTensorsFile.Entry> entries = new LinkedHashMap<>();
    /** Names whose absence is already explained by a damaged file or index entry (not reported again as missing). */
    final Set<String> explained = new HashSet<>();
    /** True when a whole weights file could not be read: then every absent tensor is explained by it. */
    boolean unreadableFile;

    private final Path modelDir;
    private final CheckpointProblems problems;
    private final Map<String, String> shardOf = new LinkedHashMap<>();

    private CheckpointFiles(Path modelDir, CheckpointProblems problems) {
        this.modelDir = modelDir;
        this.problems = problems;
    }

    static CheckpointFiles open(Path modelDir, CheckpointProblems problems) {
        CheckpointFiles opened = new CheckpointFiles(modelDir, problems);
        try {
            if (Files.isRegularFile(modelDir.resolve(SINGLE))) {
                opened.openFile(SINGLE, null);
            } else if (Files.isRegularFile(modelDir.resolve(INDEX))) {
                opened.openShards();
            } else {
                for (String name : List.of(SINGLE, INDEX)) {
                    Path path = modelDir.resolve(name);
                    if (Files.exists(path, LinkOption.NOFOLLOW_LINKS)) { // a folder, a link loop: say so, not "missing"
                        throw VllavaException.checkpoint("%s: %s", path, BoundedInput.whyNotRegular(path));
                    }
                }
                throw VllavaException.checkpoint("%s: no %s or %s in the model folder", modelDir, SINGLE, INDEX);
            }
        } catch (RuntimeException e) {
            opened.close();
            throw e;
        }
        return opened;
    }

    private void openShards() {
        JsonNode weightMap = readWeightMap(modelDir.resolve(INDEX));
        Map<String, List<String>> tensorsOfShard = new LinkedHashMap<>();
        for (Map.Entry<String, JsonNode> mapping : weightMap.properties()) {
            if (!mapping.getValue().isTextual()) {
                throw VllavaException.checkpoint("%s: weight_map entry %s is not a file name", modelDir.resolve(INDEX),
                        mapping.getKey());
            }
            shardOf.put(mapping.getKey(), mapping.getValue().textValue());
            tensorsOfShard.computeIfAbsent(mapping.getValue().textValue(), s -> new ArrayList<>()).add(mapping.getKey());
        }
        for (Map.Entry<String, List<String>> shard : tensorsOfShard.entrySet()) {
            String name = shard.getKey();
            if (name.contains("/") || name.contains("\\") || name.equals("..") || name.equals(".")) {
                // A shard must sit in the model folder; a path here would read files outside it.
                problems.damaged(INDEX + " names shard '" + name + "', which is not a plain file name");
                explained.addAll(shard.getValue());
            } else if (!Files.isRegularFile(modelDir.resolve(name))) {
                Path path = modelDir.resolve(name);
                problems.damaged(INDEX + " names " + (Files.exists(path, LinkOption.NOFOLLOW_LINKS)
                        ? "shard " + name + ", which " + BoundedInput.whyNotRegular(path) : "missing shard " + name)
                        + " (" + shard.getValue().size() + " tensors)");
                explained.addAll(shard.getValue());
            } else {
                openFile(name, shard.getValue());
            }
        }
    }

    private JsonNode readWeightMap(Path index) {
        JsonNode root;
        try {
            root = new ObjectMapper().readTree(INDEX_FILE.readFile(index));
        } catch (IOException e) {
            throw VllavaException.checkpoint("%s: not valid JSON (%s)", index,
                    String.valueOf(e.getMessage()).lines().findFirst().orElse("unreadable"));
        }
        JsonNode weightMap = root == null ? null : root.get("weight_map");
        if (weightMap == null || !weightMap.isObject()) {
            throw VllavaException.checkpoint("%s: no weight_map object", index);
        }
        return weightMap;
    }

    /** Opens one file; {@code listed} are the tensors the index says it holds (null for a single file). */
    private void openFile(String fileName, List<String> listed) {
        Path path = modelDir.resolve(fileName);
        List<SafeTensorsHeader.Problem> found = new ArrayList<>();
        SafeTensorsFile file;
        try {
            file = SafeTensorsFile.open(path, found);
        } catch (VllavaException e) {
            problems.damaged(shortened(e.getMessage()));
            if (listed == null) {
                unreadableFile = true;
            } else {
                explained.addAll(listed);
            }
            return;
        }
        files.add(file);
        for (SafeTensorsHeader.Problem problem : found) {
            explained.add(problem.tensor());
            if (problem.message() != null) {
                problems.damaged(shortened(problem.message()));
            }
        }
        for (SafeTensorsFile.Entry entry : file.entries()) {
            SafeTensorsFile.Entry earlier = entries.putIfAbsent(entry.name(), entry);
            if (earlier != null) {
                problems.damaged("tensor " + entry.name() + " is in more than one shard");
            }
        }
        if (listed != null) {
            for (String name : listed) {
                if (!file.contains(name) && !explained.contains(name)) {
                    problems.damaged("shard " + fileName + " lacks tensor " + name + " that " + INDEX + " places there");
                    explained.add(name);
                }
            }
        }
    }

    /** Messages name files relative to the model folder, which the whole line already names. */
    private String shortened(String message) {
        return message.replace(modelDir + "/", "");
    }

    @Override
    public void close() {
        files.forEach(SafeTensorsFile::close);
    }
}
