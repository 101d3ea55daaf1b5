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
