package dev.vllava;

/**
 * An error the user can act on. Its message is one line that names the file, tensor or value at
 * fault; the CLI prints it as {@code vllava: error: <message>} and exits with {@link Failure#exitCode()}.
 */
public class VllavaException extends RuntimeException {
    private final Failure failure;

    public VllavaException(Failure failure, String message) {
        super(message);
        this.failure = failure;
    }

    public VllavaException(Failure failure, String message, Throwable cause) {
        super(message, cause);
        this.failure = failure;
    }

    public Failure failure() {
        return failure;
    }

    public static VllavaException media(String format, Object... args) {
        return new VllavaException(Failure.MEDIA, String.format(format, args));
    }

    public static VllavaException checkpoint(String format, Object... args) {
        return new VllavaException(Failure.CHECKPOINT, String.format(format, args));
    }

    public static VllavaException usage(String format, Object... args) {
        return new VllavaException(Failure.USAGE, String.format(format, args));
    }

    public static VllavaException backendUnavailable(String format, Object... args) {
        return new VllavaException(Failure.BACKEND_UNAVAILABLE, String.format(format, args));
    }

    public static VllavaException contextOverflow(String format, Object... args) {
        return new VllavaException(Failure.CONTEXT_OVERFLOW, String.format(format, args));
    }
}
