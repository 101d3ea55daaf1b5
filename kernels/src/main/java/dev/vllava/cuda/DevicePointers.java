package dev.vllava.cuda;

import java.lang.reflect.Field;
import jcuda.NativePointerObject;
import jcuda.Pointer;
import jcuda.driver.CUdeviceptr;

/**
 * Raw addresses of JCuda handles. The engine passes device addresses to kernels and to cuBLAS (through
 * FFM) as plain longs, and to the few JCuda calls that take a {@link CUdeviceptr} as a pointer built
 * here. JCuda keeps the address in {@code NativePointerObject.nativePointer} (plus {@code
 * Pointer.byteOffset}) with only a protected getter; jcuda is an unnamed-module jar on the classpath,
 * so reading the field by reflection is permitted, and {@code DevicePointersTest} pins the behaviour
 * down without a GPU. (The public alternative for device pointers, cuPointerGetAttribute with
 * CU_POINTER_ATTRIBUTE_DEVICE_POINTER, needs a device and does not cover streams.)
 */
final class DevicePointers {
    private static final Field NATIVE_POINTER = field(NativePointerObject.class, "nativePointer");
    private static final Field BYTE_OFFSET = field(Pointer.class, "byteOffset");

    private DevicePointers() {}

    private static Field field(Class<?> type, String name) {
        try {
            Field field = type.getDeclaredField(name);
            field.setAccessible(true);
            return field;
        } catch (ReflectiveOperationException e) {
            throw new ExceptionInInitializerError("JCuda layout changed: " + type.getName() + "." + name + " not found");
        }
    }

    /** The raw handle or address of a JCuda object (a CUstream, a CUdeviceptr, ...). */
    static long address(NativePointerObject object) {
        try {
            long address = NATIVE_POINTER.getLong(object);
            return object instanceof Pointer ? address + BYTE_OFFSET.getLong(object) : address;
        } catch (IllegalAccessException e) {
            throw new IllegalStateException(e);
        }
    }

    /** A CUdeviceptr for a raw device address, for JCuda copy calls. */
    static CUdeviceptr deviceptr(long address) {
        CUdeviceptr pointer = new CUdeviceptr();
        try {
            NATIVE_POINTER.setLong(pointer, address);
        } catch (IllegalAccessException e) {
            throw new IllegalStateException(e);
        }
        return pointer;
    }
}
