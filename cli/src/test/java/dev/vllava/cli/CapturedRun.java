package dev.vllava.cli;

import java.io.ByteArrayOutputStream;
import java.io.PrintStream;
import java.nio.charset.StandardCharsets;
import java.util.function.IntSupplier;

/** A command run inside this JVM with stdout and stderr captured: what a user of the launcher would see. */
record CapturedRun(int exitCode, String out, String err) {

    /** {@code vllava ARGS} through {@link Main#run}, as the launcher runs it. */
    static CapturedRun vllava(String... args) {
        return capture(() -> Main.run(args));
    }

    /** {@code vllava COMMAND ARGS}. */
    static CapturedRun vllava(String command, String... args) {
        String[] full = new String[args.length + 1];
        full[0] = command;
        System.arraycopy(args, 0, full, 1, args.length);
        return vllava(full);
    }

    static CapturedRun capture(IntSupplier command) {
        PrintStream oldOut = System.out;
        PrintStream oldErr = System.err;
        ByteArrayOutputStream out = new ByteArrayOutputStream();
        ByteArrayOutputStream err = new ByteArrayOutputStream();
        try {
            System.setOut(new PrintStream(out, true, StandardCharsets.UTF_8));
            System.setErr(new PrintStream(err, true, StandardCharsets.UTF_8));
            int code = command.getAsInt();
            return new CapturedRun(code, out.toString(StandardCharsets.UTF_8), err.toString(StandardCharsets.UTF_8));
        } finally {
            System.setOut(oldOut);
            System.setErr(oldErr);
        }
    }
}
