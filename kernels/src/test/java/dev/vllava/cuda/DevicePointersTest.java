package dev.vllava.cuda;

import static org.junit.jupiter.api.Assertions.assertEquals;

import jcuda.driver.CUdeviceptr;
import org.junit.jupiter.api.Test;

/** Runs without a GPU: JCuda's pointer objects are plain Java until passed to the driver. */
class DevicePointersTest {

    @Test
    void rawAddressesRoundTripThroughJcudaPointers() {
        CUdeviceptr pointer = DevicePointers.deviceptr(0x7f00_1234_5600L);
        assertEquals(0x7f00_1234_5600L, DevicePointers.address(pointer));
    }

    @Test
    void byteOffsetsOfJcudaViewsAreIncluded() {
        CUdeviceptr base = DevicePointers.deviceptr(0x1000_0000L);
        assertEquals(0x1000_0100L, DevicePointers.address(base.withByteOffset(0x100)));
    }
}
