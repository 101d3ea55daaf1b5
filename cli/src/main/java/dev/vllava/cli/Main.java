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
                InfoCommand.class, TokenizeCommand.class, FramesCommand.class, CompletionCommand.class, ServeCommand.class})
public final class Main {

    @Option(names = {"-v", "--verbose"}, scope = ScopeType.INHERIT,
            description = "Log details (backend choice, startup time, stack traces of errors) to stderr.")
    boolean verbose;

    public static void main(String[] args) {
        int code;
        try {
            code = run(args);
        } catch (OutOfMemoryError e) {
            System.err.println("vllava: error: out of memory (" + e.getMessage() + "); give the JVM more with VLLAVA_JAVA_OPTS=-Xmx...");
            code = Failure.INTERNAL.exitCode();
        }
        System.out.flush();
        System.exit(code);
    }

    static int run(String... args) {
        Verbosity.configure(List.of(args));
        return commandLine().execute(args);
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

    private static int reportFailure(Exception e, CommandLine commandLine, CommandLine.ParseResult parsed) {
        boolean verbose = Verbosity.isVerbose();
        if (e instanceof VllavaException failure) {
            System.err.println("vllava: error: " + failure.getMessage());
            if (verbose) {
                failure.printStackTrace(System.err);
            }
            return failure.failure().exitCode();
        }
        System.err.println("vllava: error: internal error: " + e + (verbose ? "" : " (run with -v for details)"));
        if (verbose) {
            e.printStackTrace(System.err);
        }
        return Failure.INTERNAL.exitCode();
    }
}
