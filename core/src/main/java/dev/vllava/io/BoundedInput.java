package dev.vllava.io;

import dev.vllava.Failure;
import dev.vllava.VllavaException;
import java.io.IOException;
import java.io.InputStream;
import java.nio.charset.StandardCharsets;
import java.nio.file.AccessDeniedException;
import java.nio.file.FileSystemException;
import java.nio.file.Files;
import java.nio.file.NoSuchFileException;
import java.nio.file.Path;
import java.nio.file.attribute.BasicFileAttributes;
import java.util.Arrays;
import java.util.Locale;

/**
 * Reads of the small non-media inputs (questions files, config and tokenizer JSON, a question on stdin)
 * with a size limit each: {@code /dev/zero}, a wrong file or a runaway pipe is one clear error, never
 * an out-of-memory after gigabytes. A limit is the kind of the input (user input: {@link Failure#USAGE};
 * checkpoint files: {@link Failure#CHECKPOINT}), a name for messages and the most bytes it may have.
 */
public record BoundedInput(Failure failure, String what, long maxBytes) {
    public static final long MIB = 1L << 20;

    public BoundedInput {
        if (maxBytes <= 0 || maxBytes >= Integer.MAX_VALUE - 8) {
            throw new IllegalArgumentException("limit out of range: " + maxBytes);
        }
    }

    /** The whole file, or an error naming it: missing, a directory, a symbolic-link loop, unreadable, too large. */
    public byte[] readFile(Path file) {
        if (Files.isDirectory(file)) {
            throw new VllavaException(failure, file + ": is a directory, not a " + what);
        }
        try (InputStream in = Files.newInputStream(file)) {
            return read(in, file.toString());
        } catch (IOException e) {
            throw new VllavaException(failure, file + ": " + problem(e) + " (" + what + ")", e);
        }
    }

    /** {@link #readFile} as UTF-8 text. */
    public String readText(Path file) {
        return new String(readFile(file), StandardCharsets.UTF_8);
    }

    /** The whole stream ({@code source} names it in messages: a path, or "stdin"). */
    public byte[] read(InputStream in, String source) throws IOException {
        byte[] bytes = in.readNBytes((int) maxBytes + 1);
        if (bytes.length > maxBytes) {
            throw new VllavaException(failure, String.format(Locale.ROOT, "%s: more than %s, the most a %s may have",
                    source, size(maxBytes), what));
        }
        return bytes;
    }

    /** The error of a failed file access in words: "no such file", "is a directory", "too many levels of symbolic links". */
    public static String problem(IOException e) {
        if (e instanceof NoSuchFileException) {
            return "no such file";
        }
        if (e instanceof AccessDeniedException) {
            return "permission denied";
        }
        if (e instanceof FileSystemException fs && fs.getReason() != null) {
            // The JDK words ELOOP from stat() as "Too many levels of symbolic links or unable to access
            // attributes of symbolic link": the first half is what happened.
            return fs.getReason().toLowerCase(Locale.ROOT).replace(" or unable to access attributes of symbolic link", "");
        }
        String message = String.valueOf(e.getMessage());
        return Arrays.stream(message.split("\n")).findFirst().orElse(message);
    }

    /**
     * Why a path that exists (perhaps as a dangling or looping link) is not a regular file, in words:
     * "is a directory", "too many levels of symbolic links", "not a regular file".
     */
    public static String whyNotRegular(Path path) {
        if (Files.isDirectory(path)) {
            return "is a directory";
        }
        try {
            Files.readAttributes(path, BasicFileAttributes.class);
        } catch (IOException e) {
            return problem(e);
        }
        return "not a regular file";
    }

    private static String size(long bytes) {
        return bytes % MIB == 0 ? (bytes / MIB) + " MiB" : (bytes / 1024) + " KiB";
    }
}
