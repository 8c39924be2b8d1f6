package dev.graft.cli;

import dev.graft.error.GraftException;
import java.io.PrintWriter;
import java.io.UncheckedIOException;
import java.nio.file.Path;
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
   * {@code retrain --config FILE} (or {@code --config=FILE}, anywhere after {@code retrain}) so its values serve as
   * defaults.
   */
  public static int execute(CommandLine cli, String... args) {
    try {
      Path config = configFile(args);
      if (config != null) {
        CommandLine retrain = cli.getSubcommands().get("retrain");
        retrain.setDefaultValueProvider(ConfigDefaults.read(config, retrain));
      }
    } catch (GraftException e) {
      cli.getErr().println("graft: " + SettingFlags.describe(e));
      cli.getErr().flush();
      return 1;
    }
    try {
      return cli.execute(args);
    } catch (OutOfMemoryError e) {
      cli.getErr().println("graft: Java ran out of memory (" + e.getMessage() + "; the heap limit is "
          + Runtime.getRuntime().maxMemory() / (1 << 20) + " MiB). Lower --batch-size or --prefetch, use smaller "
          + "images, or give Java more memory (java -Xmx8g -jar graft.jar ...).");
      cli.getErr().flush();
      return 1;
    }
  }

  /** The job file that {@code retrain --config} names in {@code args}, or null; parsing problems are left to execute. */
  private static Path configFile(String... args) {
    CommandLine.ParseResult result;
    try {
      CommandLine probe = newCommandLine();
      probe.setOut(new PrintWriter(java.io.Writer.nullWriter()));
      probe.setErr(new PrintWriter(java.io.Writer.nullWriter()));
      result = probe.parseArgs(args);
    } catch (CommandLine.ParameterException e) {
      return null;
    }
    while (result.hasSubcommand()) {
      result = result.subcommand();
    }
    if (!result.commandSpec().name().equals("retrain") || !result.hasMatchedOption("--config")) {
      return null;
    }
    return result.matchedOptionValue("--config", null);
  }

  /**
   * A configured command line: exit 2 with the problem and a pointer to {@code --help} for usage errors, exit 1 with a
   * one-paragraph message for bad input or a failed run.
   */
  public static CommandLine newCommandLine() {
    CommandLine cli = new CommandLine(new GraftCli());
    cli.setParameterExceptionHandler((e, args) -> {
      PrintWriter err = e.getCommandLine().getErr();
      err.println("graft: " + e.getMessage());
      CommandLine.UnmatchedArgumentException.printSuggestions(e, err);
      err.println("Run 'graft " + commandPath(e.getCommandLine()) + "--help' for its options.");
      err.flush();
      return 2;
    });
    cli.setExecutionExceptionHandler((e, commandLine, parseResult) -> {
      PrintWriter err = commandLine.getErr();
      err.println("graft: " + describe(e));
      if (verbose(parseResult)) {
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

  /** Whether {@code --verbose} was given before or after the subcommand. */
  private static boolean verbose(CommandLine.ParseResult result) {
    for (CommandLine.ParseResult r = result; r != null; r = r.hasSubcommand() ? r.subcommand() : null) {
      if (r.hasMatchedOption("--verbose")) {
        return true;
      }
    }
    return false;
  }

  private static String commandPath(CommandLine command) {
    StringBuilder path = new StringBuilder();
    for (CommandLine c = command; c != null && c.getParent() != null; c = c.getParent()) {
      path.insert(0, c.getCommandName() + " ");
    }
    return path.toString();
  }

  private static String describe(Exception e) {
    String message = SettingFlags.describe(e);
    return message == null ? e.getClass().getSimpleName() : message;
  }
}
