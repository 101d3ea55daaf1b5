package dev.vllava.cuda;

import dev.vllava.VllavaException;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.LinkedHashSet;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.stream.Stream;

/**
 * Finds libcublas for the FFM binding. Order: {@code VLLAVA_CUBLAS} (a file, used as given), then in
 * each directory of LD_LIBRARY_PATH, /usr/local/cuda*&#47;lib64 (newest name first),
 * /usr/lib/x86_64-linux-gnu and pip's {@code site-packages/nvidia/cublas/lib}, the names
 * {@code libcublas.so.13} then {@code libcublas.so.12}. Directory roots are parameters so that
 * {@code CublasLibraryTest} checks the order on fake files.
 */
public final class CublasLibrary {
    static final List<String> NAMES = List.of("libcublas.so.13", "libcublas.so.12");

    private final Map<String, String> environment;
    private final Path root;
    private final List<Path> sitePackages;

    /**
     * @param environment  process environment (VLLAVA_CUBLAS, LD_LIBRARY_PATH)
     * @param root         "/" normally; a temp dir in tests (system paths are resolved under it)
     * @param sitePackages Python site-packages directories to search for nvidia/cublas/lib
     */
    public CublasLibrary(Map<String, String> environment, Path root, List<Path> sitePackages) {
        this.environment = environment;
        this.root = root;
        this.sitePackages = sitePackages;
    }

    public static CublasLibrary system() {
        return new CublasLibrary(System.getenv(), Path.of("/"), defaultSitePackages(Path.of("/")));
    }

    /**
     * site-packages and dist-packages of every python3.* under /usr/lib, /usr/local/lib, ~/.local/lib and
     * the environments under /opt ({@code /opt/NAME/lib} as conda lays them out, {@code /opt/NAME/.venv/lib}
     * as venvs do: the GPU image's torch venv carries cuBLAS only as a pip wheel).
     */
    static List<Path> defaultSitePackages(Path root) {
        List<Path> result = new ArrayList<>();
        List<Path> bases = new ArrayList<>(List.of(root.resolve("usr/lib"), root.resolve("usr/local/lib")));
        for (Path environment : list(root.resolve("opt"), "*")) {
            bases.add(environment.resolve("lib"));
            bases.add(environment.resolve(".venv/lib"));
        }
        String home = System.getProperty("user.home");
        if (home != null && root.equals(Path.of("/"))) {
            bases.add(Path.of(home, ".local/lib"));
        }
        for (Path base : bases) {
            for (Path python : list(base, "python3*")) {
                result.add(python.resolve("site-packages"));
                result.add(python.resolve("dist-packages"));
            }
        }
        return result;
    }

    /** Directories searched, in order (those that do not exist are kept: the error message names them). */
    public List<Path> searchDirectories() {
        LinkedHashSet<Path> dirs = new LinkedHashSet<>();
        String ldPath = environment.getOrDefault("LD_LIBRARY_PATH", "");
        for (String dir : ldPath.split(":")) {
            if (!dir.isBlank()) {
                dirs.add(Path.of(dir));
            }
        }
        dirs.add(root.resolve("usr/local/cuda/lib64"));
        List<Path> versioned = list(root.resolve("usr/local"), "cuda-*");
        versioned.sort((a, b) -> compareVersions(b.getFileName().toString(), a.getFileName().toString()));
        for (Path cuda : versioned) {
            dirs.add(cuda.resolve("lib64"));
        }
        dirs.add(root.resolve("usr/lib/x86_64-linux-gnu"));
        for (Path site : sitePackages) {
            dirs.add(site.resolve("nvidia/cublas/lib"));
            dirs.add(site.resolve("nvidia/cu13/lib"));
        }
        return new ArrayList<>(dirs);
    }

    /** The first library found, or empty. */
    public Optional<Path> find() {
        String override = environment.get("VLLAVA_CUBLAS");
        if (override != null && !override.isBlank()) {
            return Optional.of(Path.of(override));
        }
        List<Path> dirs = searchDirectories();
        for (String name : NAMES) {
            for (Path dir : dirs) {
                Path candidate = dir.resolve(name);
                if (Files.isRegularFile(candidate) || Files.isSymbolicLink(candidate)) {
                    return Optional.of(candidate);
                }
            }
        }
        return Optional.empty();
    }

    /** The library to load, or backendUnavailable naming where it looked. */
    public Path require() {
        return find().orElseThrow(() -> VllavaException.backendUnavailable(
                "cuBLAS not found: looked for %s in %s (set VLLAVA_CUBLAS to the library's path, or install CUDA 12/13's cuBLAS, e.g. pip install nvidia-cublas)",
                String.join(" / ", NAMES), summary(searchDirectories())));
    }

    private static String summary(List<Path> dirs) {
        List<String> names = new ArrayList<>();
        for (Path dir : dirs) {
            names.add(dir.toString());
        }
        return String.join(", ", names);
    }

    private static List<Path> list(Path dir, String glob) {
        List<Path> result = new ArrayList<>();
        if (!Files.isDirectory(dir)) {
            return result;
        }
        try (Stream<Path> children = Files.list(dir)) {
            java.nio.file.PathMatcher matcher = dir.getFileSystem().getPathMatcher("glob:" + glob);
            children.filter(p -> matcher.matches(p.getFileName())).sorted().forEach(result::add);
        } catch (IOException e) {
            return result;
        }
        return result;
    }

    /** "cuda-13.0" vs "cuda-12.8": numeric by component. */
    static int compareVersions(String a, String b) {
        String[] x = a.replaceAll("[^0-9.]", "").split("\\.");
        String[] y = b.replaceAll("[^0-9.]", "").split("\\.");
        for (int i = 0; i < Math.max(x.length, y.length); i++) {
            int xi = i < x.length && !x[i].isEmpty() ? Integer.parseInt(x[i]) : 0;
            int yi = i < y.length && !y[i].isEmpty() ? Integer.parseInt(y[i]) : 0;
            if (xi != yi) {
                return Integer.compare(xi, yi);
            }
        }
        return a.compareTo(b);
    }
}
