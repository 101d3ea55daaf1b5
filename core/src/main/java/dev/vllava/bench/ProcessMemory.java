package dev.vllava.bench;

import java.io.IOException;
import java.lang.management.ManagementFactory;
import java.lang.management.MemoryPoolMXBean;
import java.lang.management.MemoryType;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.OptionalLong;

/** Peak memory of this process: the JVM heap, and the resident set the kernel saw (Linux). */
public final class ProcessMemory {
    private ProcessMemory() {}

    /** Sum of the heap pools' peak use since the JVM started. */
    public static long heapPeakBytes() {
        long peak = 0;
        for (MemoryPoolMXBean pool : ManagementFactory.getMemoryPoolMXBeans()) {
            if (pool.getType() == MemoryType.HEAP && pool.getPeakUsage() != null) {
                peak += pool.getPeakUsage().getUsed();
            }
        }
        return peak;
    }

    /** {@code VmHWM} of /proc/self/status: the most resident memory the process ever held; empty off Linux. */
    public static OptionalLong residentPeakBytes() {
        return statusKilobytes(Path.of("/proc/self/status"), "VmHWM:");
    }

    /** {@code MemAvailable} of /proc/meminfo: memory the system can give without swapping; empty off Linux. */
    public static OptionalLong availableBytes() {
        return statusKilobytes(Path.of("/proc/meminfo"), "MemAvailable:");
    }

    static OptionalLong statusKilobytes(Path status, String key) {
        try {
            for (String line : Files.readAllLines(status)) {
                if (line.startsWith(key)) {
                    String[] parts = line.substring(key.length()).trim().split("\\s+");
                    return OptionalLong.of(Long.parseLong(parts[0]) * 1024);
                }
            }
        } catch (IOException | RuntimeException e) {
            // not Linux, or an unexpected format: the figure is simply not reported
        }
        return OptionalLong.empty();
    }
}
