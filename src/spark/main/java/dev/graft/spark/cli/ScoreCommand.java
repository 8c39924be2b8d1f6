package dev.graft.spark.cli;

import dev.graft.spark.Score;
import dev.graft.spark.SparkJobs;
import java.io.PrintWriter;
import java.nio.file.Path;
import java.util.List;
import java.util.concurrent.Callable;
import org.apache.spark.sql.Row;
import org.apache.spark.sql.SparkSession;
import picocli.CommandLine.Command;
import picocli.CommandLine.Option;
import picocli.CommandLine.Spec;

/** {@code graft-spark score}: a Graft export's predictions for a folder of images, as Parquet. */
@Command(name = "score", mixinStandardHelpOptions = true,
    description = "Run a Graft export over every image under a folder and write path, probabilities, class_id and "
        + "predicted_label as Parquet.")
final class ScoreCommand implements Callable<Integer> {

  @Spec picocli.CommandLine.Model.CommandSpec spec;

  @Option(names = "--model", required = true, description = "A Graft export (OUT/<version>).") Path model;
  @Option(names = "--data", required = true, description = "Folder of images (searched recursively).") String data;
  @Option(names = "--predictions", required = true, description = "The Parquet folder to write; must not exist.")
  String predictions;
  @Option(names = "--feature-batch", defaultValue = "64", description = "Images per TensorFlow run in a task.")
  int batch;
  @Option(names = "--skip-bad", description = "Skip unreadable images instead of stopping.") boolean skipBad;
  @Option(names = "--show", defaultValue = "5", description = "Predictions to print (default: ${DEFAULT-VALUE}).")
  int show;
  @Option(names = "--master", description = "Spark master when not run by spark-submit (default: local[*]).")
  String master;

  @Override
  public Integer call() {
    PrintWriter printer = spec.commandLine().getOut();
    SparkSession spark = SparkJobs.session(master);
    try {
      Score.Result result = Score.run(spark, model, data, predictions, batch, skipBad);
      printer.printf("scored   %d images in %.1f s into %s%s%n", result.rows(), result.seconds(), result.location(),
          skipBad ? " (" + result.skipped() + " unreadable skipped)" : "");
      List<Row> first = spark.read().parquet(result.location()).orderBy("path").limit(show).collectAsList();
      for (Row row : first) {
        printer.printf("%s  %s%n", row.getString(0), row.getString(3));
      }
      printer.flush();
      return 0;
    } finally {
      SparkJobs.stop(spark);
    }
  }
}
