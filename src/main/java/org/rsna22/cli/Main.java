package org.rsna22.cli;

import java.nio.file.Path;
import picocli.CommandLine.Command;
import picocli.CommandLine;

/** The command-line entry of rsna22: dispatches to the subcommands. */
@Command(name = "rsna22", mixinStandardHelpOptions = true, versionProvider = Main.Version.class,
        description = "RSNA 2022 cervical spine fracture detection pipeline.",
        subcommands = {RunCommand.class, RestartCommand.class, StatusCommand.class, InspectCommand.class, ScoreCommand.class,
            GenerateDemoCommand.class, DemoCommand.class,
            WorkerCommand.class, BenchCommand.class,
            CommandLine.HelpCommand.class})
public final class Main {

    public static void main(String[] args) {
        System.exit(execute(args));
    }

    /** Runs a command line and returns its exit code. */
    public static int execute(String... args) {
        return commandLine().execute(absoluteDbDir(args));
    }

    private static final String DB_DIR = "--rsna22.db-dir=";

    /**
     * {@code --rsna22.db-dir=DIR} made absolute: H2 refuses a database path that is implicitly relative to the
     * working directory ("demo/db"), and a restart from elsewhere must find the same repository.
     */
    static String[] absoluteDbDir(String... args) {
        String[] out = args.clone();
        for (int i = 0; i < out.length; i++) {
            if (out[i].startsWith(DB_DIR) && out[i].length() > DB_DIR.length()) {
                out[i] = DB_DIR + Path.of(out[i].substring(DB_DIR.length())).toAbsolutePath().normalize();
            }
        }
        return out;
    }

    /** The configured command line, for callers (tests) that redirect its output. */
    public static CommandLine commandLine() {
        CommandLine cl = new CommandLine(new Main());
        CommandLine.IExecutionStrategy runLast = new CommandLine.RunLast();
        // "rsna22 nope --help" would print the help and exit 0: the help option hides the unknown command
        cl.setExecutionStrategy(parsed -> {
            if (!parsed.hasSubcommand() && !parsed.unmatched().isEmpty()) {
                cl.getErr().println("error: unknown command '" + parsed.unmatched().get(0) + "'; commands: "
                        + String.join(", ", cl.getSubcommands().keySet()));
                cl.getErr().flush();
                return JobLauncherSupport.USAGE;
            }
            return runLast.execute(parsed);
        });
        return cl;
    }

    static final class Version implements CommandLine.IVersionProvider {
        @Override
        public String[] getVersion() {
            String v = Main.class.getPackage().getImplementationVersion();
            return new String[] {"rsna22 " + (v == null ? "(development build)" : v)};
        }
    }
}
