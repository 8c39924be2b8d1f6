package dev.graft.cli;

import dev.graft.error.GraftException;
import java.io.PrintWriter;
import java.io.UncheckedIOException;
import picocli.CommandLine;
import picocli.CommandLine.Command;
import picocli.CommandLine.Option;

/** The {@code graft} command: inspect, retrain, evaluate and predict. */
@Command(name = "graft", mixinStandardHelpOptions = true, version = "graft 0.1.0",
    description = "Transfer learning on TensorFlow SavedModels.",
    subcommands = {InspectCommand.class, RetrainCommand.class, EvaluateCommand.class, PredictCommand.class})
public final class GraftCli implements Runnable {

  @Option(names = "--verbose", scope = CommandLine.ScopeType.INHERIT, description = "Print stack traces of errors.")
  boolean verbose;

  @CommandLine.Spec CommandLine.Model.CommandSpec spec;

  @Override
  public void run() {
    spec.commandLine().usage(spec.commandLine().getOut());
  }

  /** Runs the command line and exits with its status. */
  public static void main(String[] args) {
    CommandLine cli = newCommandLine();
    System.exit(execute(cli, args));
  }

  /**
   * Runs {@code args} on a command line from {@link #newCommandLine()}, first reading the job file of
   * {@code retrain --config FILE} so its values serve as defaults.
   */
  public static int execute(CommandLine cli, String... args) {
    for (int i = 0; i + 1 < args.length; i++) {
      if (args[i].equals("--config") && args.length > 0 && args[0].equals("retrain")) {
        CommandLine retrain = cli.getSubcommands().get("retrain");
        try {
          retrain.setDefaultValueProvider(ConfigDefaults.read(java.nio.file.Path.of(args[i + 1]), retrain));
        } catch (GraftException e) {
          cli.getErr().println("graft: " + e.getMessage());
          cli.getErr().flush();
          return 1;
        }
      }
    }
    return cli.execute(args);
  }

  /** A configured command line: exit 1 with a one-paragraph message for bad input or a failed run, 2 for usage errors. */
  public static CommandLine newCommandLine() {
    CommandLine cli = new CommandLine(new GraftCli());
    cli.setExecutionExceptionHandler((e, commandLine, parseResult) -> {
      PrintWriter err = commandLine.getErr();
      boolean verbose = parseResult.hasMatchedOption("--verbose");
      err.println("graft: " + describe(e));
      if (verbose) {
        e.printStackTrace(err);
      } else if (!(e instanceof GraftException || e instanceof IllegalArgumentException
          || e instanceof UncheckedIOException || e instanceof IllegalStateException)) {
        err.println("(run with --verbose for the stack trace)");
      }
      err.flush();
      return 1;
    });
    return cli;
  }

  private static String describe(Exception e) {
    String message = e.getMessage();
    return message == null ? e.getClass().getSimpleName() : message;
  }
}
