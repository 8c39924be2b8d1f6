package dev.graft.spark.cli;

import dev.graft.cli.SettingFlags;
import dev.graft.error.GraftException;
import java.io.PrintWriter;
import java.io.UncheckedIOException;
import picocli.CommandLine;
import picocli.CommandLine.Command;

/**
 * {@code graft-spark}: Graft's transfer learning on Apache Spark. Run it with {@code spark-submit
 * target/graft-spark.jar retrain ...} (any master), or with Spark's jars on the class path (local[*]).
 */
@Command(name = "graft-spark", mixinStandardHelpOptions = true, version = "graft-spark 0.1.0",
    description = "Feature extraction and head training on Apache Spark.",
    subcommands = {RetrainCommand.class, FeaturizeCommand.class, TrainCommand.class, ScoreCommand.class})
public final class SparkCli implements Runnable {

  @CommandLine.Spec CommandLine.Model.CommandSpec spec;

  @Override
  public void run() {
    spec.commandLine().usage(spec.commandLine().getOut());
  }

  /** Runs the command line and exits with its status: 0 done, 1 bad input or a failed run, 2 usage. */
  public static void main(String[] args) {
    // only when slf4j-simple binds (Spark's jars from Maven, no distribution): Spark's INFO lines stay out
    System.setProperty("org.slf4j.simpleLogger.log.org.apache.spark",
        System.getProperty("org.slf4j.simpleLogger.log.org.apache.spark", "warn"));
    int code = newCommandLine().execute(args);
    System.exit(code);
  }

  /**
   * A configured command line: one-paragraph messages for bad input, as {@code graft} prints them (each setting a
   * library message names said with its flag).
   */
  public static CommandLine newCommandLine() {
    CommandLine cli = new CommandLine(new SparkCli());
    cli.setExecutionExceptionHandler((e, commandLine, parseResult) -> {
      Exception shown = e instanceof RuntimeException || e.getClass().getName().startsWith("org.apache.spark")
          ? dev.graft.spark.SparkJobs.unwrap(e) : e;
      PrintWriter err = commandLine.getErr();
      String message = SettingFlags.describe(shown);
      err.println("graft-spark: " + (message == null ? shown.getClass().getSimpleName() : message));
      if (!(shown instanceof GraftException || shown instanceof IllegalArgumentException
          || shown instanceof UncheckedIOException || shown instanceof IllegalStateException)) {
        shown.printStackTrace(err);
      }
      err.flush();
      return 1;
    });
    return cli;
  }
}
