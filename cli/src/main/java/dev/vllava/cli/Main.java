package dev.vllava.cli;

import dev.vllava.Failure;
import dev.vllava.VllavaException;
import picocli.CommandLine;
import picocli.CommandLine.Command;

/** Entry point: picocli dispatch, and the one place where failures become a line on stderr and an exit code. */
@Command(
        name = "vllava",
        mixinStandardHelpOptions = true,
        versionProvider = VersionProvider.class,
        description = "Video-LLaVA from the command line: ask questions about videos and images.",
        subcommands = {CommandLine.HelpCommand.class, AskCommand.class, InfoCommand.class, TokenizeCommand.class, FramesCommand.class,
                EvalCommand.class})
public final class Main {

    public static void main(String[] args) {
        System.exit(run(args));
    }

    static int run(String... args) {
        CommandLine commandLine = new CommandLine(new Main());
        commandLine.setExecutionExceptionHandler(Main::reportFailure);
        commandLine.setParameterExceptionHandler((e, ignored) -> {
            System.err.println("vllava: error: " + e.getMessage());
            return Failure.USAGE.exitCode();
        });
        return commandLine.execute(args);
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
        System.err.println("vllava: error: " + e);
        if (verbose) {
            e.printStackTrace(System.err);
        }
        return Failure.INTERNAL.exitCode();
    }
}
