package dev.vllava.cli;

import dev.vllava.Failure;
import dev.vllava.VllavaException;
import java.util.List;
import picocli.CommandLine;
import picocli.CommandLine.Command;
import picocli.CommandLine.Option;
import picocli.CommandLine.ScopeType;

/**
 * Entry point: picocli dispatch, and the one place where failures become a line on stderr and an exit
 * code ({@code vllava: error: <message>}, exit code from {@link Failure}; a stack trace only with -v).
 * No static logger here or in any CLI class: {@link Verbosity} must set slf4j-simple's level first.
 */
@Command(
        name = "vllava",
        mixinStandardHelpOptions = true,
        versionProvider = VersionProvider.class,
        description = "Video-LLaVA from the command line: ask questions about videos and images.",
        subcommands = {CommandLine.HelpCommand.class, AskCommand.class, ChatCommand.class, EvalCommand.class, BenchCommand.class,
                InfoCommand.class, TokenizeCommand.class, FramesCommand.class, CompletionCommand.class})
public final class Main {

    @Option(names = {"-v", "--verbose"}, scope = ScopeType.INHERIT,
            description = "Log details (backend choice, startup time, stack traces of errors) to stderr.")
    boolean verbose;

    public static void main(String[] args) {
        Stdout.install();
        int code;
        try {
            code = run(args);
            System.out.flush(); // the last buffered bytes can fail too
            if (code == 0 && Stdout.failure() != null) { // help or --version that could not be written
                code = report(Stdout.failure());
            }
        } catch (OutOfMemoryError e) {
            System.err.println("vllava: error: out of memory (" + e.getMessage() + "); give the JVM more with VLLAVA_JAVA_OPTS=-Xmx...");
            code = Failure.INTERNAL.exitCode();
        } catch (VllavaException e) {
            code = report(e);
        }
        System.exit(code);
    }

    static int run(String... args) {
        Verbosity.configure(List.of(args));
        CommandLine commandLine = commandLine();
        commandLine.setOut(Stdout.forPicocli());
        return commandLine.execute(args);
    }

    /** The command tree with vllava's error handling (tests add commands to it). */
    static CommandLine commandLine() {
        CommandLine commandLine = new CommandLine(new Main());
        commandLine.setExecutionExceptionHandler(Main::reportFailure);
        commandLine.setParameterExceptionHandler((e, ignored) -> {
            System.err.println("vllava: error: " + e.getMessage().lines().findFirst().orElse("invalid arguments")
                    + " (see " + e.getCommandLine().getCommandSpec().qualifiedName() + " --help)");
            return Failure.USAGE.exitCode();
        });
        return commandLine;
    }

    /** One line on stderr (none for a broken pipe, which Unix tools end quietly) and the failure's exit code. */
    private static int report(VllavaException failure) {
        if (failure.failure() != Failure.BROKEN_PIPE) {
            System.err.println("vllava: error: " + failure.getMessage());
            if (Verbosity.isVerbose()) {
                failure.printStackTrace(System.err);
            }
        }
        return failure.failure().exitCode();
    }

    private static int reportFailure(Exception e, CommandLine commandLine, CommandLine.ParseResult parsed) {
        boolean verbose = Verbosity.isVerbose();
        if (e instanceof VllavaException failure) {
            return report(failure);
        }
        System.err.println("vllava: error: internal error: " + e + (verbose ? "" : " (run with -v for details)"));
        if (verbose) {
            e.printStackTrace(System.err);
        }
        return Failure.INTERNAL.exitCode();
    }
}
