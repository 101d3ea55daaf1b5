package dev.vllava.cuda;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;
import static org.junit.jupiter.api.Assumptions.assumeFalse;

import dev.vllava.Failure;
import dev.vllava.VllavaException;
import org.junit.jupiter.api.Test;

/** On a machine without the NVIDIA driver, opening the engine is one clear line and exit code 5. */
class CudaUnavailableTest {

    @Test
    void openingWithoutTheDriverIsBackendUnavailableNamingLibcuda() {
        assumeFalse(Gpu.driverPresent(), "this machine has libcuda.so.1; the GPU tests cover it");
        VllavaException e = assertThrows(VllavaException.class, () -> CudaEngine.open(0));
        assertEquals(Failure.BACKEND_UNAVAILABLE, e.failure());
        assertEquals(5, e.failure().exitCode());
        assertTrue(e.getMessage().contains("libcuda.so.1"), e.getMessage());
        assertTrue(e.getMessage().contains("--backend cpu"), "says what to do instead: " + e.getMessage());
        assertFalse(e.getMessage().contains("\n"), "one line");
    }

    @Test
    void theBenchmarkEntryPointFailsTheSameWay() {
        assumeFalse(Gpu.driverPresent(), "this machine has libcuda.so.1");
        VllavaException e = assertThrows(VllavaException.class, () -> CudaEngine.open(CudaEngine.Options.defaults().withDevice(3)));
        assertEquals(Failure.BACKEND_UNAVAILABLE, e.failure());
    }
}
