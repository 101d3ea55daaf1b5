package dev.vllava.cuda;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.vllava.Failure;
import dev.vllava.VllavaException;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

class CublasLibraryTest {
    @TempDir
    Path root;

    private Path fake(String relative) throws IOException {
        Path file = root.resolve(relative);
        Files.createDirectories(file.getParent());
        Files.writeString(file, "not really a library");
        return file;
    }

    private CublasLibrary library(Map<String, String> env) {
        return new CublasLibrary(env, root, CublasLibrary.defaultSitePackages(root));
    }

    @Test
    void environmentOverrideWinsEvenIfAbsentElsewhere() throws IOException {
        fake("usr/local/cuda/lib64/libcublas.so.13");
        assertEquals(Optional.of(Path.of("/opt/my/libcublas.so")),
                library(Map.of("VLLAVA_CUBLAS", "/opt/my/libcublas.so")).find());
    }

    @Test
    void ldLibraryPathComesBeforeSystemDirectories() throws IOException {
        fake("usr/local/cuda/lib64/libcublas.so.13");
        Path mine = fake("home/me/cuda/libcublas.so.13");
        assertEquals(Optional.of(mine), library(Map.of("LD_LIBRARY_PATH", root.resolve("home/me/cuda") + ":/nonexistent")).find());
    }

    @Test
    void version13IsPreferredOver12WhereverItIs() throws IOException {
        fake("home/me/cuda/libcublas.so.12");
        Path thirteen = fake("usr/lib/x86_64-linux-gnu/libcublas.so.13");
        assertEquals(Optional.of(thirteen), library(Map.of("LD_LIBRARY_PATH", root.resolve("home/me/cuda").toString())).find());
    }

    @Test
    void newestVersionedCudaDirectoryFirst() throws IOException {
        fake("usr/local/cuda-12.8/lib64/libcublas.so.12");
        Path newest = fake("usr/local/cuda-12.10/lib64/libcublas.so.12");
        assertEquals(Optional.of(newest), library(Map.of()).find());
        List<Path> dirs = library(Map.of()).searchDirectories();
        assertTrue(dirs.indexOf(root.resolve("usr/local/cuda-12.10/lib64")) < dirs.indexOf(root.resolve("usr/local/cuda-12.8/lib64")), dirs.toString());
    }

    @Test
    void pipWheelInSitePackagesIsFound() throws IOException {
        Path wheel = fake("usr/local/lib/python3.12/dist-packages/nvidia/cublas/lib/libcublas.so.12");
        assertEquals(Optional.of(wheel), library(Map.of()).find());
    }

    @Test
    void missingLibrarySaysWhereItLookedInOneLine() {
        VllavaException e = assertThrows(VllavaException.class, () -> library(Map.of("LD_LIBRARY_PATH", "/somewhere")).require());
        assertEquals(Failure.BACKEND_UNAVAILABLE, e.failure());
        assertTrue(e.getMessage().contains("libcublas.so.13 / libcublas.so.12"), e.getMessage());
        assertTrue(e.getMessage().contains("/somewhere"), e.getMessage());
        assertTrue(e.getMessage().contains("VLLAVA_CUBLAS"), e.getMessage());
        assertTrue(!e.getMessage().contains("\n"), "one line");
    }
}
