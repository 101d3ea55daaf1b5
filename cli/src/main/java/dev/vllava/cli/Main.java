package dev.vllava.cli;

import dev.vllava.Failure;
import dev.vllava.VllavaException;
import dev.vllava.model.ContextOverflow;
import java.util.Arrays;
import java.util.List;
import java.util.Set;
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
        description = "Video-LLaVA from the command line: ask questions about videos and images.")
public final class Main {
    /** Every command, in the order {@code vllava --help} lists them. */
    private static final List<Class<?>> COMMANDS = List.of(CommandLine.HelpCommand.class, AskCommand.class, ChatCommand.class,
            EvalCommand.class, BenchCommand.class, InfoCommand.class, QuantizeCommand.class, TokenizeCommand.class, FramesCommand.class,
            CompletionCommand.class, ServeCommand.class);
    /** Commands that show the whole tree. */
    private static final Set<String> TREE_COMMANDS = Set.of("help", "completion");

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
        CommandLine commandLine = commandLine(args);
        commandLine.setOut(Stdout.forPicocli());
        return commandLine.execute(args);
    }

    /** The whole command tree with vllava's error handling (tests add commands to it). */
    static CommandLine commandLine() {
        return commandLine(new String[] {"--help"});
    }

    /** The command tree that {@code args} need (see {@link #commandsFor}), with vllava's error handling. */
    static CommandLine commandLine(String... args) {
        CommandLine commandLine = new CommandLine(new Main());
        commandsFor(args).forEach(commandLine::addSubcommand);
        commandLine.setExecutionExceptionHandler(Main::reportFailure);
        commandLine.setParameterExceptionHandler((e, ignored) -> {
            System.err.println("vllava: error: " + e.getMessage().lines().findFirst().orElse("invalid arguments")
                    + " (see " + e.getCommandLine().getCommandSpec().qualifiedName() + " --help)");
            return Failure.USAGE.exitCode();
        });
        return commandLine;
    }

    /**
     * picocli reflects over every option of every command it is given (a third of {@code vllava --version}'s
     * start-up), so a command line that names a command gets that one alone, {@code --version} none, and
     * help, completion, no command or an unknown one (for picocli's message) all of them.
     */
    static List<Class<?>> commandsFor(String... args) {
        String invoked = Arrays.stream(args).filter(arg -> !arg.startsWith("-")).findFirst().orElse(null);
        if (invoked == null) {
            boolean versionOnly = args.length > 0 && Arrays.stream(args).allMatch(arg -> arg.equals("-V") || arg.equals("--version"));
            return versionOnly ? List.of() : COMMANDS;
        }
        if (TREE_COMMANDS.contains(invoked)) {
            return COMMANDS;
        }
        List<Class<?>> named = COMMANDS.stream().filter(command -> command.getAnnotation(Command.class).name().equals(invoked)).toList();
        return named.isEmpty() ? COMMANDS : named;
    }

    /** One line on stderr (none for a broken pipe, which Unix tools end quietly) and the failure's exit code. */
    private static int report(VllavaException failure) {
        if (failure.failure() != Failure.BROKEN_PIPE) {
            System.err.println("vllava: error: " + message(failure));
            if (Verbosity.isVerbose()) {
                failure.printStackTrace(System.err);
            }
        }
        return failure.failure().exitCode();
    }

    /** A core error in the CLI's terms: a context overflow names the option that lowers the token limit. */
    static String message(VllavaException e) {
        return e instanceof ContextOverflow overflow ? overflow.advice("--max-new-tokens") : e.getMessage();
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
