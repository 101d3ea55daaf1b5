package dev.vllava.cuda;

import static org.junit.platform.engine.discovery.DiscoverySelectors.selectPackage;

import java.io.PrintWriter;
import org.junit.platform.engine.TestExecutionResult;
import org.junit.platform.engine.discovery.ClassNameFilter;
import org.junit.platform.launcher.Launcher;
import org.junit.platform.launcher.LauncherDiscoveryRequest;
import org.junit.platform.launcher.TagFilter;
import org.junit.platform.launcher.TestExecutionListener;
import org.junit.platform.launcher.TestIdentifier;
import org.junit.platform.launcher.core.LauncherDiscoveryRequestBuilder;
import org.junit.platform.launcher.core.LauncherFactory;
import org.junit.platform.launcher.listeners.SummaryGeneratingListener;
import org.junit.platform.launcher.listeners.TestExecutionSummary;

/**
 * Runs the CUDA tests without Maven (the GPU machine has no network): {@code java -cp <test classpath>
 * dev.vllava.cuda.GpuTestMain [tag [classRegex]]} (default tag {@code gpu}; {@code all} runs every test
 * of the package; classRegex, e.g. {@code CudaGraphGpuTest|TinyModelGpuTest}, narrows to those classes).
 * One line per test on stdout. Exit 0 when every test passed; 5 when this machine has no CUDA driver
 * (backend unavailable, as {@code vllava --backend cuda} exits: CI's dry run of scripts/gpu-check.sh);
 * 1 when a test failed or, on a machine with a driver, was skipped: a GPU check that tested nothing is
 * not a pass (no cuBLAS, no PTX in the jar).
 */
public final class GpuTestMain {
    private GpuTestMain() {}

    public static void main(String[] args) {
        String tag = args.length > 0 ? args[0] : "gpu";
        LauncherDiscoveryRequestBuilder request = LauncherDiscoveryRequestBuilder.request().selectors(selectPackage("dev.vllava.cuda"));
        if (!tag.equals("all")) {
            request.filters(TagFilter.includeTags(tag));
        }
        if (args.length > 1) {
            request.filters(ClassNameFilter.includeClassNamePatterns("dev\\.vllava\\.cuda\\.(" + args[1] + ")"));
        }
        LauncherDiscoveryRequest discovery = request.build();
        SummaryGeneratingListener summary = new SummaryGeneratingListener();
        TestExecutionListener lines = new TestExecutionListener() {
            @Override
            public void executionSkipped(TestIdentifier test, String reason) {
                System.out.println("SKIP " + test.getDisplayName() + ": " + reason);
            }

            @Override
            public void executionFinished(TestIdentifier test, TestExecutionResult result) {
                if (test.isTest() || result.getStatus() != TestExecutionResult.Status.SUCCESSFUL) {
                    String cause = result.getThrowable().map(t -> ": " + t).orElse("");
                    System.out.println(result.getStatus() + " " + test.getLegacyReportingName() + " ["
                            + test.getUniqueId().replaceAll(".*class:dev.vllava.cuda.([A-Za-z]+).*", "$1") + "]" + cause);
                }
            }
        };
        Launcher launcher = LauncherFactory.create();
        launcher.execute(discovery, summary, lines);
        TestExecutionSummary result = summary.getSummary();
        result.printTo(new PrintWriter(System.out, true));
        result.printFailuresTo(new PrintWriter(System.out, true), 30);
        System.exit(exitCode(result));
    }

    private static int exitCode(TestExecutionSummary result) {
        if (result.getTotalFailureCount() > 0) {
            return 1;
        }
        if (!Gpu.driverPresent()) {
            System.out.println("no CUDA driver on this machine: " + Gpu.unavailable());
            return 5;
        }
        if (result.getTestsAbortedCount() > 0 || result.getTestsSucceededCount() == 0) {
            System.out.println("GPU tests skipped on a machine with a CUDA driver: " + Gpu.unavailable());
            return 1;
        }
        return 0;
    }
}
