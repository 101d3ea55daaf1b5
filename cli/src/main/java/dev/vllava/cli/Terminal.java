package dev.vllava.cli;

import java.io.Console;
import java.io.IOException;
import java.lang.foreign.Arena;
import java.lang.foreign.FunctionDescriptor;
import java.lang.foreign.Linker;
import java.lang.foreign.MemorySegment;
import java.lang.foreign.ValueLayout;
import java.lang.invoke.MethodHandle;
import java.nio.file.Files;
import java.nio.file.Path;

/**
 * Whether a standard stream is a terminal, and how wide it is. {@link System#console()} answers for stdin
 * and stdout together, but progress cares about stderr alone ({@code vllava ask ... > answer.txt} still
 * shows progress) and chat prompts about stdin alone, so each descriptor is checked on its own through
 * {@code /proc/self/fd} (Linux, the platform vllava ships for).
 */
final class Terminal {
    static final int STDIN = 0;
    static final int STDOUT = 1;
    static final int STDERR = 2;
    private static final int FALLBACK_COLUMNS = 80;

    private Terminal() {}

    static boolean isTerminal(int fd) {
        try {
            String target = Files.readSymbolicLink(Path.of("/proc/self/fd/" + fd)).toString();
            return target.startsWith("/dev/pts/") || target.startsWith("/dev/tty") || target.equals("/dev/console");
        } catch (IOException | UnsupportedOperationException | SecurityException e) {
            Console console = System.console();
            return console != null && console.isTerminal();
        }
    }

    /** A terminal that understands cursor controls: not {@code TERM=dumb} (Emacs shells, some CI logs). */
    static boolean isCapable(int fd) {
        return isTerminal(fd) && !"dumb".equals(System.getenv("TERM"));
    }

    /** The width of the terminal on {@code fd}, asked anew each time (the user may resize the window). */
    static int columns(int fd) {
        int columns = WindowSize.columns(fd);
        return columns > 0 ? columns : FALLBACK_COLUMNS;
    }

    /**
     * {@code ioctl(fd, TIOCGWINSZ)} through the FFM API: a microsecond per call, where a terminal library
     * would load hundreds of classes at start-up, or {@code stty} a process, just to learn the width.
     */
    private static final class WindowSize {
        /** Linux's request number on x86-64 and aarch64. */
        private static final long TIOCGWINSZ = 0x5413;
        private static final MethodHandle IOCTL = ioctl();

        private static MethodHandle ioctl() {
            try {
                Linker linker = Linker.nativeLinker();
                return linker.defaultLookup().find("ioctl").map(address -> linker.downcallHandle(address,
                        FunctionDescriptor.of(ValueLayout.JAVA_INT, ValueLayout.JAVA_INT, ValueLayout.JAVA_LONG, ValueLayout.ADDRESS),
                        Linker.Option.firstVariadicArg(2))).orElse(null);
            } catch (RuntimeException | LinkageError e) {
                return null; // native access refused: the fallback width serves
            }
        }

        /** {@code struct winsize { unsigned short ws_row, ws_col, ws_xpixel, ws_ypixel; }}: the second field; 0 when unknown. */
        static int columns(int fd) {
            if (IOCTL == null) {
                return 0;
            }
            try (Arena arena = Arena.ofConfined()) {
                MemorySegment size = arena.allocate(8, 2);
                int result = (int) IOCTL.invokeExact(fd, TIOCGWINSZ, size);
                return result == 0 ? Short.toUnsignedInt(size.get(ValueLayout.JAVA_SHORT, 2)) : 0;
            } catch (Throwable e) {
                return 0;
            }
        }
    }
}
