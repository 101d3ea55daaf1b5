package dev.vllava.cuda;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;
import static org.junit.jupiter.api.Assumptions.assumeTrue;

import dev.vllava.Failure;
import dev.vllava.VllavaException;
import java.net.URL;
import java.net.URLClassLoader;
import java.util.Set;
import java.util.TreeSet;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;

class PtxCatalogTest {

    @BeforeEach
    void requirePtx() {
        assumeTrue(getClass().getClassLoader().getResource(PtxCatalog.RESOURCE_DIR + "attention.ptx") != null,
                "PTX not built on this machine (no nvcc): run `make ptx` to check the kernels");
    }

    @Test
    void everyKernelTheEngineLaunchesIsInThePackagedPtx() {
        PtxCatalog catalog = PtxCatalog.load();
        assertEquals(Set.of(), catalog.missingEntries(), "kernels named in Kernel.java but absent from the PTX");
    }

    @Test
    void everyCompiledKernelIsNamedByTheEngine() {
        PtxCatalog catalog = PtxCatalog.load();
        Set<String> named = new TreeSet<>();
        for (Kernel kernel : Kernel.values()) {
            named.addAll(kernel.entries());
        }
        for (String module : catalog.modules()) {
            for (String entry : catalog.entries(module)) {
                assertTrue(named.contains(entry), module + ".ptx has kernel " + entry + " that Kernel.java does not name (dead code?)");
            }
        }
    }

    @Test
    void nvcc13WritesPtxIsa90WhichNeedsACuda13Driver() {
        int isa = PtxCatalog.load().isaVersion();
        assertTrue(isa >= 80, "PTX ISA " + isa);
        assertEquals(13000, PtxCatalog.minimumDriverFor(90));
        assertEquals(12080, PtxCatalog.minimumDriverFor(88));
    }

    @Test
    void cuda12DriversGetTheIsaTheyRead() {
        assertEquals(90, PtxCatalog.maximumIsaFor(13000));
        assertEquals(90, PtxCatalog.maximumIsaFor(13020));
        assertEquals(84, PtxCatalog.maximumIsaFor(12040));
        assertEquals(87, PtxCatalog.maximumIsaFor(12080));
        assertEquals(80, PtxCatalog.maximumIsaFor(12000));
        assertEquals(0, PtxCatalog.maximumIsaFor(11080));
        assertEquals(".version 8.4\n.target sm_80\n", PtxCatalog.relabel(".version 9.0\n.target sm_80\n", 84));
    }

    /** The relabelling for CUDA 12 drivers is sound only if the kernels assemble under ISA 8.0 rules. */
    @Test
    void kernelsAssembleAsIsa80ForCuda12Drivers(@org.junit.jupiter.api.io.TempDir java.nio.file.Path dir) throws Exception {
        java.nio.file.Path ptxas = java.nio.file.Path.of("/usr/local/cuda/bin/ptxas");
        assumeTrue(java.nio.file.Files.isExecutable(ptxas), "ptxas not installed here");
        PtxCatalog catalog = PtxCatalog.load();
        for (String module : catalog.modules()) {
            byte[] image = catalog.ptxImage(module, 80);
            java.nio.file.Path file = dir.resolve(module + ".ptx");
            java.nio.file.Files.write(file, java.util.Arrays.copyOf(image, image.length - 1));
            Process process = new ProcessBuilder(ptxas.toString(), "-arch=sm_80", "-o", "/dev/null", file.toString())
                    .redirectErrorStream(true).start();
            String output = new String(process.getInputStream().readAllBytes(), java.nio.charset.StandardCharsets.UTF_8);
            assertEquals(0, process.waitFor(), module + ".ptx relabelled ISA 8.0 does not assemble: " + output);
        }
    }

    @Test
    void ptxImageIsNulTerminatedForCuModuleLoadData() {
        byte[] image = PtxCatalog.load().ptxImage("attention");
        assertEquals(0, image[image.length - 1]);
    }

    @Test
    void entriesAreParsedFromPtxText() {
        String ptx = ".version 9.0\n.target sm_80\n.visible .entry add_f32(\n .param .u64 a\n)\n.visible .entry rope_f32 (\n";
        assertEquals(Set.of("add_f32", "rope_f32"), PtxCatalog.entriesOf(ptx));
    }
}

class PtxMissingTest {
    @Test
    void aBuildWithoutPtxSaysToRebuildWithNvcc() throws Exception {
        try (URLClassLoader empty = new URLClassLoader(new URL[0], null)) {
            VllavaException e = assertThrows(VllavaException.class, () -> PtxCatalog.load(empty));
            assertEquals(Failure.BACKEND_UNAVAILABLE, e.failure());
            assertTrue(e.getMessage().contains("rebuild with nvcc (make ptx)"), e.getMessage());
        }
    }
}
