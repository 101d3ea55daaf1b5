package dev.vllava.io;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
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

/** Small inputs are read whole only up to their limit, and a wrong kind of path is named as what it is. */
class BoundedInputTest {
    private static final BoundedInput CONFIG = new BoundedInput(Failure.CHECKPOINT, "config file", 16);

    @TempDir
    Path temp;

    @Test
    void aFileWithinTheLimitIsReadWhole() throws IOException {
        Path file = Files.write(temp.resolve("c.json"), new byte[16]);
        assertArrayEquals(new byte[16], CONFIG.readFile(file));
    }

    @Test
    void oneByteOverTheLimitIsRefusedWithTheInputsKind() throws IOException {
        Path file = Files.write(temp.resolve("c.json"), new byte[17]);
        VllavaException e = assertThrows(VllavaException.class, () -> CONFIG.readFile(file));
        assertEquals(Failure.CHECKPOINT, e.failure());
        assertTrue(e.getMessage().contains("more than 0 KiB, the most a config file may have"), e.getMessage());
    }

    @Test
    void anEndlessDeviceStopsAtTheLimit() {
        VllavaException e = assertThrows(VllavaException.class,
                () -> new BoundedInput(Failure.USAGE, "questions file", BoundedInput.MIB).readFile(Path.of("/dev/zero")));
        assertEquals(Failure.USAGE, e.failure());
        assertTrue(e.getMessage().startsWith("/dev/zero: more than 1 MiB"), e.getMessage());
    }

    @Test
    void aFolderAndALinkLoopAreNamedAsSuch() throws IOException {
        Path folder = Files.createDirectory(temp.resolve("config.json"));
        assertTrue(assertThrows(VllavaException.class, () -> CONFIG.readFile(folder)).getMessage()
                .contains("config.json: is a directory"));
        Path loop = Files.createSymbolicLink(temp.resolve("loop.json"), temp.resolve("loop.json"));
        assertTrue(assertThrows(VllavaException.class, () -> CONFIG.readFile(loop)).getMessage()
                .contains("loop.json: too many levels of symbolic links"));
        assertEquals("too many levels of symbolic links", BoundedInput.whyNotRegular(loop));
        assertEquals("is a directory", BoundedInput.whyNotRegular(folder));
        assertTrue(assertThrows(VllavaException.class, () -> CONFIG.readFile(temp.resolve("absent.json"))).getMessage()
                .contains("absent.json: no such file"));
    }
}
