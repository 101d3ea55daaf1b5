package dev.vllava.cli;

import me.tongfei.progressbar.ProgressBar;
import me.tongfei.progressbar.ProgressBarBuilder;

/**
 * Progress of the long steps (paging in weights, decoding media, vision + prefill, quantizing) on stderr,
 * only when stderr is a terminal: piped or redirected stderr, and therefore every test of the output
 * contract, sees nothing. Each bar is drawn on the {@link StatusLine} and erased when its step closes, so
 * the answer that follows starts on that same, clean line and nothing above it is touched. One step at a
 * time: a command opens its steps one after the other.
 *
 * <p>A command that has a long step of its own (say {@code quantize}): {@code TerminalProgress.forStderr()} once,
 * then {@code try (TerminalProgress.Step step = progress.start("Quantizing", bytes, "MB", 1 << 20)) { ...
 * step.stepBy(n); }}.
 */
final class TerminalProgress {
    private final StatusLine line;

    private TerminalProgress(StatusLine line) {
        this.line = line;
    }

    /** Progress on stderr when it is a capable terminal, else none. */
    static TerminalProgress forStderr() {
        return new TerminalProgress(Terminal.isCapable(Terminal.STDERR) ? StatusLine.onStderr() : null);
    }

    boolean enabled() {
        return line != null;
    }

    /** A bar of {@code max} units ({@code max < 0}: an indeterminate bar that shows elapsed time); a no-op when disabled. */
    Step start(String task, long max, String unit, long unitSize) {
        if (line == null) {
            return Step.NONE;
        }
        ProgressBarBuilder builder = new ProgressBarBuilder()
                .setTaskName(task)
                .setInitialMax(max)
                .setConsumer(line.barConsumer())
                .setUpdateIntervalMillis(200)
                .clearDisplayOnFinish();
        if (unit != null) {
            builder.setUnit(unit, unitSize);
        }
        if (max < 0) {
            builder.hideEta();
        }
        ProgressBar bar = builder.build();
        return new Step() {
            private boolean closed;

            @Override
            public void stepBy(long n) {
                bar.stepBy(n);
            }

            @Override
            public void close() {
                if (!closed) {
                    closed = true;
                    bar.close();
                    // bar.close() gives up silently when this thread is interrupted: erase the line regardless
                    line.hide();
                }
            }
        };
    }

    /** One running bar. */
    interface Step extends AutoCloseable {
        Step NONE = new Step() {
            @Override
            public void stepBy(long n) {}

            @Override
            public void close() {}
        };

        void stepBy(long n);

        @Override
        void close();
    }
}
