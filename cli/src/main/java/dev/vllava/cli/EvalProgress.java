package dev.vllava.cli;

import dev.vllava.eval.EvalItem;
import dev.vllava.eval.Progress;
import dev.vllava.eval.ProgressListener;
import java.text.DecimalFormat;
import java.time.Duration;
import me.tongfei.progressbar.ProgressBar;
import me.tongfei.progressbar.ProgressBarBuilder;
import me.tongfei.progressbar.ProgressBarStyle;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * How {@code vllava eval} shows its progress on stderr. When stderr is a terminal: a progress bar (items
 * done, items/s, ETA, errors) on the {@link StatusLine}, with failed items' warnings printed above it, and
 * left on the screen as a line of its own when the run ends. Otherwise (a log file, a batch scheduler): one line
 * {@code 120/1000 (3 errors) 2.31 items/s ETA 6m21s} through the logger {@value #LOGGER} at info level,
 * at the start, at most every {@link #LOG_INTERVAL} and at the end. That logger alone is set to info
 * (the CLI's other logs stay at warn unless {@code -v}), so such a run always gets these lines. A failed
 * item is a warning naming its id, either way.
 */
final class EvalProgress implements ProgressListener, AutoCloseable {
    static final String LOGGER = "vllava.eval.progress";
    static final Duration LOG_INTERVAL = Duration.ofSeconds(30);

    private final Logger log;
    private final StatusLine terminal;
    private ProgressBar bar;
    private long lastLogNanos;
    private Progress last;
    private boolean lastLogged;

    private EvalProgress(Logger log, StatusLine terminal) {
        this.log = log;
        this.terminal = terminal;
    }

    /** A bar when stderr is a terminal, else periodic log lines. */
    static EvalProgress onStderr() {
        String levelKey = "org.slf4j.simpleLogger.log." + LOGGER;
        if (System.getProperty(levelKey) == null && !Verbosity.isVerbose()) {
            System.setProperty(levelKey, "info");
        }
        return new EvalProgress(LoggerFactory.getLogger(LOGGER), Terminal.isCapable(Terminal.STDERR) ? StatusLine.onStderr() : null);
    }

    /** Built at the first report, so that speed and ETA count this run's items only (not resumed ones). */
    private static ProgressBar bar(StatusLine terminal, Progress start) {
        return new ProgressBarBuilder().setTaskName("eval").setInitialMax(start.total()).setStyle(ProgressBarStyle.ASCII)
                .setConsumer(terminal.barConsumer()).setUpdateIntervalMillis(500)
                .setUnit(" items", 1).showSpeed(new DecimalFormat("0.00")).startsFrom(start.skipped(), Duration.ZERO).build();
    }

    @Override
    public void onProgress(Progress progress) {
        last = progress;
        if (terminal != null) {
            if (bar == null) {
                bar = bar(terminal, progress);
            }
            bar.stepTo(progress.skipped() + progress.done());
            bar.setExtraMessage(progress.errors() == 1 ? " 1 error" : " " + progress.errors() + " errors");
            return;
        }
        long now = System.nanoTime();
        lastLogged = false;
        if (progress.done() == 0 || now - lastLogNanos >= LOG_INTERVAL.toNanos()) {
            lastLogNanos = now;
            lastLogged = true;
            log.info(progress.describe());
        }
    }

    @Override
    public void onItemError(EvalItem item, String message) {
        log.warn("item {} failed: {}", item.id(), message);
    }

    /** The final state: the bar completed, or a last log line. */
    @Override
    public void close() {
        if (bar != null) {
            bar.close();
            terminal.keep();
        } else if (last != null && !lastLogged) {
            log.info(last.describe());
        }
    }
}
