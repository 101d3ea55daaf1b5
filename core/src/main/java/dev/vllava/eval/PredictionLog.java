package dev.vllava.eval;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.node.ObjectNode;
import dev.vllava.VllavaException;
import dev.vllava.io.BoundedInput;
import java.io.Closeable;
import java.io.IOException;
import java.nio.ByteBuffer;
import java.nio.channels.FileChannel;
import java.nio.channels.FileLock;
import java.nio.channels.OverlappingFileLockException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.LinkOption;
import java.nio.file.NoSuchFileException;
import java.nio.file.Path;
import java.nio.file.StandardOpenOption;
import java.util.ArrayList;
import java.util.Collections;
import java.util.LinkedHashMap;
import java.util.LinkedHashSet;
import java.util.List;
import java.util.Map;
import java.util.Set;

/**
 * The predictions file of a run, written so that a crash, a kill or Ctrl-C loses at most the items in
 * flight and a rerun resumes where it stopped.
 *
 * <p>Each item's line is built in memory and written with one append, then forced to disk (unless
 * {@code fsync} is off), so the file only ever ends in a whole line or, after a crash mid-write, in one
 * torn line. Opening an existing file collects the ids already done and cuts a torn tail away (trailing
 * bytes after the last newline, or trailing lines that are not JSON, such as the zero bytes a file system
 * may leave after a power cut). A line that is not JSON elsewhere in the file is a usage error: that file
 * was not written by us.
 *
 * <p>The file is locked while open, so a second run on the same file fails with a usage error instead of
 * interleaving lines. {@link #append} is thread-safe; lines appear in the order of the calls.
 */
public final class PredictionLog implements Closeable {
    /** Beyond this (half a million lines of 2 KB) a file is refused, not read whole: it is not one we wrote. */
    static final long MAX_FILE_BYTES = 1L << 30;

    private final Path file;
    private final FileChannel channel;
    private final FileLock lock;
    private final boolean fsync;
    private final Set<String> doneIds;
    private final int droppedTornLines;

    private PredictionLog(Path file, FileChannel channel, FileLock lock, boolean fsync, Set<String> doneIds,
            int droppedTornLines) {
        this.file = file;
        this.channel = channel;
        this.lock = lock;
        this.fsync = fsync;
        this.doneIds = doneIds;
        this.droppedTornLines = droppedTornLines;
    }

    /**
     * Opens (creating if absent) a predictions file for appending, after reading the ids it already holds
     * and truncating a torn tail. The file is locked (a POSIX record lock) until {@link #close}: a second
     * process opening it is refused. Everything this process reads of the file goes through the locked
     * channel, since closing any other descriptor of the file would release the process's lock.
     *
     * @param fsync force every line to disk (one fsync per item: negligible next to a model call)
     */
    public static PredictionLog open(Path file, boolean fsync) {
        OutputFile.requireUsable(file);
        FileChannel channel = null;
        try {
            Path parent = file.toAbsolutePath().getParent();
            if (parent != null) {
                Files.createDirectories(parent);
            }
            channel = FileChannel.open(file, StandardOpenOption.CREATE, StandardOpenOption.READ, StandardOpenOption.WRITE);
            FileLock lock = lockOrRefuse(channel, file);
            Scan scan = scan(file, readAll(channel, file));
            if (scan.validLength() < channel.size()) {
                channel.truncate(scan.validLength());
                channel.force(true);
            }
            channel.position(channel.size());
            Set<String> done = new LinkedHashSet<>();
            for (int i = 0; i < scan.lines().size(); i++) {
                done.add(idOf(scan.lines().get(i), file, i));
            }
            return new PredictionLog(file, channel, lock, fsync, done, scan.tornLines());
        } catch (IOException e) {
            closeQuietly(channel);
            throw VllavaException.usage("%s: cannot open for writing (%s)", file, e.getMessage());
        } catch (RuntimeException e) {
            closeQuietly(channel);
            throw e;
        }
    }

    /**
     * The lock on a predictions file that no other run may write while it is held; refuses (usage error)
     * when another process holds it. {@link Merge} takes it too before replacing a file.
     */
    static FileLock lockOrRefuse(FileChannel channel, Path file) throws IOException {
        FileLock lock;
        try {
            lock = channel.tryLock();
        } catch (OverlappingFileLockException e) {
            lock = null; // this JVM already holds it
        }
        if (lock == null) {
            throw VllavaException.usage("%s: another vllava eval is writing this file", file);
        }
        return lock;
    }

    /** The file's whole content, read through the (locked) channel without moving its position. */
    private static byte[] readAll(FileChannel channel, Path file) throws IOException {
        long size = channel.size();
        if (size > MAX_FILE_BYTES) {
            throw VllavaException.usage("%s: %d bytes, more than the %d MiB a predictions file may hold (not a vllava predictions file?)",
                    file, size, MAX_FILE_BYTES >> 20);
        }
        ByteBuffer bytes = ByteBuffer.allocate((int) size);
        while (bytes.hasRemaining() && channel.read(bytes, bytes.position()) >= 0) {
            // read until full: a regular file returns short counts only at its end
        }
        return bytes.array();
    }

    private static void closeQuietly(FileChannel channel) {
        if (channel != null) {
            try {
                channel.close();
            } catch (IOException ignored) {
                // the error being reported matters more
            }
        }
    }

    /** The output lines written so far (a torn tail ignored), read through the locked channel. */
    public synchronized List<ObjectNode> lines() {
        try {
            return scan(file, readAll(channel, file)).lines();
        } catch (IOException e) {
            throw VllavaException.usage("%s: cannot read (%s)", file, e.getMessage());
        }
    }

    /** The output lines of a predictions file, in file order, a torn tail ignored (the file is not changed). */
    public static List<ObjectNode> readLines(Path file) {
        if (Files.exists(file, LinkOption.NOFOLLOW_LINKS) && !Files.isRegularFile(file)) {
            // a folder, a device (/dev/zero has no size and would read as an empty file), a link loop
            throw VllavaException.usage("%s: %s, not a predictions file", file, BoundedInput.whyNotRegular(file));
        }
        try (FileChannel channel = FileChannel.open(file, StandardOpenOption.READ)) {
            return scan(file, readAll(channel, file)).lines();
        } catch (NoSuchFileException e) {
            throw VllavaException.usage("%s: no such file", file);
        } catch (IOException e) {
            throw VllavaException.usage("%s: cannot read (%s)", file, e.getMessage());
        }
    }

    /**
     * One line per id, at the position of the id's first line: the first line without an {@code error}, or
     * the first line when all have one. Repeats come from merging overlapping shards or re-running failed
     * items into the same file.
     */
    public static List<ObjectNode> dedupe(List<ObjectNode> lines) {
        Map<String, ObjectNode> byId = new LinkedHashMap<>();
        for (int i = 0; i < lines.size(); i++) {
            ObjectNode line = lines.get(i);
            String id = idOf(line, null, i);
            ObjectNode kept = byId.get(id);
            if (kept == null || (hasError(kept) && !hasError(line))) {
                byId.put(id, line);
            }
        }
        return new ArrayList<>(byId.values());
    }

    static boolean hasError(JsonNode line) {
        JsonNode error = line.get("error");
        return error != null && !error.isNull();
    }

    /** Ids (as text) of the lines already in the file when it was opened. */
    public Set<String> doneIds() {
        return Collections.unmodifiableSet(doneIds);
    }

    /** How many torn lines were cut from the end when the file was opened (0 or 1 after a clean stop). */
    public int droppedTornLines() {
        return droppedTornLines;
    }

    public Path file() {
        return file;
    }

    /** Appends one output line with a single write, then forces it to disk. */
    public synchronized void append(ObjectNode line) {
        ByteBuffer bytes = ByteBuffer.wrap((Jsonl.write(line) + "\n").getBytes(StandardCharsets.UTF_8));
        try {
            while (bytes.hasRemaining()) {
                channel.write(bytes);
            }
            if (fsync) {
                channel.force(false);
            }
        } catch (IOException e) {
            throw VllavaException.usage("%s: cannot write (%s)", file, e.getMessage());
        }
    }

    @Override
    public synchronized void close() {
        try {
            if (lock.isValid()) {
                lock.release();
            }
            channel.close();
        } catch (IOException e) {
            throw VllavaException.usage("%s: cannot close (%s)", file, e.getMessage());
        }
    }

    private record Scan(List<ObjectNode> lines, long validLength, int tornLines) {}

    /** Splits the bytes into lines; trailing bytes without newline and trailing non-JSON lines are torn. */
    private static Scan scan(Path file, byte[] bytes) {
        List<ObjectNode> lines = new ArrayList<>();
        List<long[]> spans = new ArrayList<>(); // [start, end exclusive incl. newline, lineNumber]
        List<Integer> badLines = new ArrayList<>();
        int start = 0;
        int lineNumber = 0;
        for (int i = 0; i < bytes.length; i++) {
            if (bytes[i] != '\n') {
                continue;
            }
            lineNumber++;
            String text = new String(bytes, start, i - start, StandardCharsets.UTF_8).strip();
            if (!text.isEmpty()) {
                JsonNode node = Jsonl.parseOrNull(text);
                if (node instanceof ObjectNode object) {
                    lines.add(object);
                    spans.add(new long[] {start, i + 1, lineNumber});
                } else {
                    badLines.add(lineNumber);
                    spans.add(new long[] {start, i + 1, -lineNumber});
                }
            }
            start = i + 1;
        }
        long validLength = start;
        int torn = start < bytes.length ? 1 : 0;
        // Trailing garbage lines (e.g. zero bytes after a power cut) are torn too; earlier ones are an error.
        for (int s = spans.size() - 1; s >= 0 && spans.get(s)[2] < 0; s--) {
            validLength = spans.get(s)[0];
            badLines.removeLast();
            torn++;
        }
        if (!badLines.isEmpty()) {
            throw VllavaException.usage("%s:%d: not a JSON object (not a vllava predictions file?)",
                    file, badLines.getFirst());
        }
        return new Scan(lines, validLength, torn);
    }

    private static String idOf(JsonNode line, Path file, int index) {
        String id = EvalItem.idText(line.get("id"));
        if (id == null) {
            throw VllavaException.usage("%s: output line %d has no id", file != null ? file : "predictions",
                    index + 1);
        }
        return id;
    }
}
