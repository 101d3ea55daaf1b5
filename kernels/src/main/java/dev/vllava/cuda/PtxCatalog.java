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
        byte[] text = ptxByModule.get(module);
        byte[] image = new byte[text.length + 1];
        System.arraycopy(text, 0, image, 0, text.length);
        return image;
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
