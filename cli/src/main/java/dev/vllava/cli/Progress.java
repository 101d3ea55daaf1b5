package dev.vllava.cli;

import me.tongfei.progressbar.ConsoleProgressBarConsumer;
import me.tongfei.progressbar.ProgressBar;
import me.tongfei.progressbar.ProgressBarBuilder;

/**
 * Progress of the long steps (paging in weights, decoding media, vision + prefill) on stderr, only when
 * stderr is a terminal: piped or redirected stderr, and therefore every test, sees nothing. Bars clear
 * themselves when done, so the answer that follows on the same terminal starts on a clean line.
 */
final class Progress {
    private final boolean enabled;

    Progress(boolean enabled) {
        this.enabled = enabled;
    }

    static Progress forStderr() {
        return new Progress(Terminal.isTerminal(Terminal.STDERR) && !"dumb".equals(System.getenv("TERM")));
    }

    boolean enabled() {
        return enabled;
    }

    /** A bar of {@code max} units ({@code max < 0}: an indeterminate bar that shows elapsed time); a no-op when disabled. */
    Step start(String task, long max, String unit, long unitSize) {
        if (!enabled) {
            return Step.NONE;
        }
        ProgressBarBuilder builder = new ProgressBarBuilder()
                .setTaskName(task)
                .setInitialMax(max)
                .setConsumer(new ClearingConsumer())
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
                    // closing ends the cleared bar's line; go back up so that no blank line is left
                    System.err.print("\033[A\r");
                    System.err.flush();
                }
            }
        };
    }

    /** The console consumer without the newline it prints when closed: a cleared bar leaves no blank line. */
    private static final class ClearingConsumer extends ConsoleProgressBarConsumer {
        ClearingConsumer() {
            super(System.err);
        }

        @Override
        public void close() {
            System.err.flush();
        }
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
