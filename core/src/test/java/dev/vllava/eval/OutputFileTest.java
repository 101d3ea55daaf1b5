package dev.vllava.eval;

import static org.junit.jupiter.api.Assertions.assertDoesNotThrow;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.vllava.Failure;
import dev.vllava.VllavaException;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** --out takes a regular file (to resume) or a new path; devices, pipes, folders and broken links are refused. */
class OutputFileTest {
    @TempDir
    Path temp;

    @Test
    void aRegularFileOrANewPathIsAccepted() throws IOException {
        assertDoesNotThrow(() -> OutputFile.requireUsable(Files.writeString(temp.resolve("old.jsonl"), "")));
        assertDoesNotThrow(() -> OutputFile.requireUsable(temp.resolve("new.jsonl")));
        assertDoesNotThrow(() -> OutputFile.requireUsable(temp.resolve("a/b/new.jsonl")), "missing folders are created");
    }

    @Test
    void devicesFoldersAndBrokenLinksAreUsageErrors() throws IOException {
        for (Path refused : new Path[] {Path.of("/dev/full"), Path.of("/dev/null"), temp,
                Files.createSymbolicLink(temp.resolve("dangling"), temp.resolve("nothing"))}) {
            VllavaException e = assertThrows(VllavaException.class, () -> OutputFile.requireUsable(refused), refused.toString());
            assertEquals(Failure.USAGE, e.failure());
            assertTrue(e.getMessage().startsWith(refused.toString()), e.getMessage());
        }
    }
}
