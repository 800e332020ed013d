package ai.superclip.cli;

import ai.superclip.runtime.BuildVersions;
import java.io.PrintWriter;
import picocli.CommandLine;
import picocli.CommandLine.Command;

/** The {@code superclip} command line: train, evaluate, export and serve SuperCLIP models. */
@Command(name = "superclip", mixinStandardHelpOptions = true, versionProvider = SuperClipCli.Version.class,
        description = "Train and serve SuperCLIP (CLIP + token classification) models on the JVM with ONNX Runtime.",
        subcommands = {DemoCommand.class, TrainCommand.class, EvalCommand.class, ZeroShotCommand.class, RetrieveCommand.class, ExportCommand.class,
            ConvertCommand.class, ArtifactsCommand.class, DataCommand.class, ExperimentsCommand.class, CommandLine.HelpCommand.class})
public final class SuperClipCli {

    /** {@code --version}: this build's version and its ONNX Runtime's. */
    static final class Version implements CommandLine.IVersionProvider {
        @Override
        public String[] getVersion() {
            return new String[] {"superclip " + BuildVersions.SUPERCLIP + " (ONNX Runtime " + BuildVersions.ONNXRUNTIME + ")"};
        }
    }

    public static void main(String[] args) {
        System.exit(run(args));
    }

    /** Runs the command line and returns its exit code (0 ok, 1 failure, 2 bad usage). */
    public static int run(String... args) {
        System.setProperty("ai.djl.offline", System.getProperty("ai.djl.offline", "true"));
        return commandLine().execute(args);
    }

    /** The configured command line: one-line errors, defaults shown in every help. */
    static CommandLine commandLine() {
        CommandLine cl = new CommandLine(new SuperClipCli());
        cl.setCaseInsensitiveEnumValuesAllowed(true); // --on-bad-sample skip|fail as documented
        cl.setParameterExceptionHandler((e, args) -> {
            PrintWriter err = e.getCommandLine().getErr();
            err.println("superclip: " + e.getMessage() + " (see '" + e.getCommandLine().getCommandName() + " --help')");
            return 2;
        });
        cl.setExecutionExceptionHandler((e, commandLine, parseResult) -> {
            String message = e.getMessage() != null ? e.getMessage() : e.getClass().getSimpleName();
            commandLine.getErr().println("superclip " + commandLine.getCommandName() + ": " + message.lines().findFirst().orElse(""));
            if (Boolean.getBoolean("superclip.debug")) {
                e.printStackTrace(commandLine.getErr());
            }
            return 1;
        });
        return cl;
    }
}
