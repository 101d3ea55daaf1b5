package dev.vllava.cuda;

import dev.vllava.VllavaException;
import java.io.IOException;
import java.io.InputStream;
import java.nio.charset.StandardCharsets;
import java.util.LinkedHashMap;
import java.util.LinkedHashSet;
import java.util.Map;
import java.util.Set;
import java.util.TreeSet;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

/**
 * The PTX modules packaged as classpath resources under {@code dev/vllava/cuda/ptx/} by {@code make ptx}
 * (nvcc, compute_80). Reads them without a GPU: entry names and the PTX ISA version, so that a missing
 * kernel or a driver too old for the ISA is reported in one line before any launch.
 */
public final class PtxCatalog {
    static final String RESOURCE_DIR = "dev/vllava/cuda/ptx/";
    private static final Pattern ENTRY = Pattern.compile("\\.entry\\s+([A-Za-z_][A-Za-z0-9_]*)\\s*\\(");
    private static final Pattern VERSION = Pattern.compile("^\\s*\\.version\\s+(\\d+)\\.(\\d+)", Pattern.MULTILINE);

    private final Map<String, byte[]> ptxByModule;

    private PtxCatalog(Map<String, byte[]> ptxByModule) {
        this.ptxByModule = ptxByModule;
    }

    /** Loads every module {@link Kernel} names; throws backendUnavailable when one is not packaged. */
    public static PtxCatalog load() {
        return load(PtxCatalog.class.getClassLoader());
    }

    static PtxCatalog load(ClassLoader loader) {
        Map<String, byte[]> modules = new LinkedHashMap<>();
        for (Kernel kernel : Kernel.values()) {
            modules.computeIfAbsent(kernel.module(), module -> readResource(loader, module));
        }
        return new PtxCatalog(modules);
    }

    private static byte[] readResource(ClassLoader loader, String module) {
        String path = RESOURCE_DIR + module + ".ptx";
        try (InputStream in = loader.getResourceAsStream(path)) {
            if (in == null) {
                throw VllavaException.backendUnavailable(
                        "this build has no CUDA kernels (%s is not on the classpath): rebuild with nvcc (make ptx)", path);
            }
            return in.readAllBytes();
        } catch (IOException e) {
            throw VllavaException.backendUnavailable("cannot read CUDA kernels %s: %s", path, e.getMessage());
        }
    }

    public Set<String> modules() {
        return ptxByModule.keySet();
    }

    /** The PTX text of a module, NUL-terminated as cuModuleLoadData wants it. */
    public byte[] ptxImage(String module) {
        return nulTerminated(ptxByModule.get(module));
    }

    public static Set<String> entriesOf(String ptxText) {
        Set<String> names = new LinkedHashSet<>();
        Matcher matcher = ENTRY.matcher(ptxText);
        while (matcher.find()) {
            names.add(matcher.group(1));
        }
        return names;
    }

    public Set<String> entries(String module) {
        return entriesOf(new String(ptxByModule.get(module), StandardCharsets.UTF_8));
    }

    /** Entries that {@link Kernel} names but the PTX lacks, as "module.entry" (empty when complete). */
    public Set<String> missingEntries() {
        Set<String> missing = new TreeSet<>();
        for (Kernel kernel : Kernel.values()) {
            Set<String> present = entries(kernel.module());
            for (String entry : kernel.entries()) {
                if (!present.contains(entry)) {
                    missing.add(kernel.module() + "." + entry);
                }
            }
        }
        return missing;
    }

    /** The highest PTX ISA version of the modules, as major·10 + minor (nvcc 13 writes 9.0 → 90). */
    public int isaVersion() {
        int highest = 0;
        for (byte[] text : ptxByModule.values()) {
            Matcher matcher = VERSION.matcher(new String(text, StandardCharsets.UTF_8));
            if (matcher.find()) {
                highest = Math.max(highest, Integer.parseInt(matcher.group(1)) * 10 + Integer.parseInt(matcher.group(2)));
            }
        }
        return highest;
    }

    /**
     * The highest PTX ISA a driver JIT-compiles (cuDriverGetVersion form: 12040 = CUDA 12.4 → ISA 8.4),
     * or 0 below CUDA 12.
     */
    public static int maximumIsaFor(int driverVersion) {
        if (driverVersion >= 13000) {
            return 90;
        }
        if (driverVersion < 12000) {
            return 0;
        }
        int[] isaByMinor = {80, 81, 82, 83, 84, 85, 85, 86, 87, 88};
        return isaByMinor[Math.min(9, driverVersion % 1000 / 10)];
    }

    /**
     * The module's PTX with its {@code .version} line set to {@code isa}. nvcc 13 always writes ISA 9.0,
     * but our kernels use nothing newer than ISA 8.0 ({@code PtxCatalogTest} assembles them as 8.0 with
     * ptxas), so on a CUDA 12 driver the engine loads them relabelled instead of refusing to run.
     */
    public byte[] ptxImage(String module, int isa) {
        String text = new String(ptxByModule.get(module), StandardCharsets.UTF_8);
        return nulTerminated(relabel(text, isa).getBytes(StandardCharsets.UTF_8));
    }

    static String relabel(String ptxText, int isa) {
        return VERSION.matcher(ptxText).replaceFirst(".version " + isa / 10 + "." + isa % 10);
    }

    private static byte[] nulTerminated(byte[] text) {
        byte[] image = new byte[text.length + 1];
        System.arraycopy(text, 0, image, 0, text.length);
        return image;
    }

    /**
     * The lowest driver (cuDriverGetVersion form, e.g. 13000 for CUDA 13.0) that JIT-compiles a PTX ISA:
     * ISA 9.0 came with CUDA 13.0, 8.x with CUDA 12.x, 7.x with CUDA 11.x.
     */
    public static int minimumDriverFor(int isaVersion) {
        if (isaVersion >= 90) {
            return 13000;
        }
        if (isaVersion >= 80) {
            return 12000 + (isaVersion - 80) * 10;
        }
        return 11000;
    }
}
