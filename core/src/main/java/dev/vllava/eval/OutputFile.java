package dev.vllava.eval;

import dev.vllava.VllavaException;
import java.nio.file.Files;
import java.nio.file.LinkOption;
import java.nio.file.Path;

/**
 * What {@code vllava eval --out} and {@code --merge OUT} accept: an existing regular file (a symbolic link
 * to one is fine), or a path that does not exist yet (missing parent folders are created). Anything else
 * (a folder, a device such as {@code /dev/full} or {@code /dev/null}, a pipe such as {@code /dev/stdout},
 * a dangling link) is refused before any work, since a predictions file must be re-read to resume and
 * locked against a second run, which only a regular file allows.
 */
public final class OutputFile {
    private OutputFile() {}

    /** Throws a usage error naming {@code file} when it is not a usable predictions file. */
    public static void requireUsable(Path file) {
        if (Files.isRegularFile(file)) {
            if (!Files.isWritable(file)) {
                throw VllavaException.usage("%s: not writable (the predictions file must be)", file);
            }
            return;
        }
        if (Files.isDirectory(file)) {
            throw VllavaException.usage("%s: is a directory; give a file path for the predictions", file);
        }
        if (Files.exists(file)) {
            throw VllavaException.usage("%s: not a regular file; predictions go to a regular file (or a new path)", file);
        }
        if (Files.isSymbolicLink(file) || Files.exists(file, LinkOption.NOFOLLOW_LINKS)) {
            throw VllavaException.usage("%s: a symbolic link to nothing (or in a loop); give a regular file or a new path", file);
        }
    }
}
