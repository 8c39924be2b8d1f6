package dev.graft.spark.cli;

import dev.graft.spark.FeatureTable;
import dev.graft.spark.Featurize;
import dev.graft.spark.SparkJobs;
import java.io.PrintWriter;
import java.util.concurrent.Callable;
import org.apache.spark.sql.SparkSession;
import picocli.CommandLine.Command;
import picocli.CommandLine.Mixin;
import picocli.CommandLine.Option;
import picocli.CommandLine.Spec;

/** {@code graft-spark featurize}: a feature table from a folder of images. */
@Command(name = "featurize", mixinStandardHelpOptions = true,
    description = "Compute Graft's features (the model's cut, as retrain trains a head on) for a folder of images "
        + "and write them as Parquet.")
final class FeaturizeCommand implements Callable<Integer> {

  @Spec picocli.CommandLine.Model.CommandSpec spec;
  @Mixin FeatureArgs features;

  @Option(names = "--features", required = true, description = "The Parquet folder to write; must not exist.")
  String table;

  @Option(names = "--master", description = "Spark master when not run by spark-submit (default: local[*]).")
  String master;

  @Override
  public Integer call() {
    SparkSession spark = SparkJobs.session(master);
    try {
      featurize(spark, features.job(table), spec.commandLine().getOut());
      return 0;
    } finally {
      SparkJobs.stop(spark);
    }
  }

  /** Runs a feature job and prints what it did. */
  static Featurize.Result featurize(SparkSession spark, Featurize.Job job, PrintWriter printer) {
    printer.printf("spark    %s, %d cores for tasks, Spark %s%n", spark.sparkContext().master(),
        spark.sparkContext().defaultParallelism(), spark.version());
    printer.flush();
    Featurize.Result result = Featurize.run(spark, job);
    FeatureTable.Info info = result.table().info();
    printer.printf("model    %s  (features %s, %d per example; preprocessing %s)%n", info.model(), info.features(),
        info.featureSize(), info.preprocess());
    printer.printf("features %s: %d rows of classes %s in %.1f s (%.1f images/s)%n", result.table().location(),
        info.rows(), info.classNames(), result.seconds(), info.rows() / result.seconds());
    if (result.shippedAs() != null) {
      printer.printf("shipped  the model %s to the executors (a broadcast variable)%n", result.shippedAs());
    }
    if (job.skipBad()) {
      printer.printf("skipped  %d unreadable images%s%n", info.skipped(),
          result.skippedItems().isEmpty() ? "" : ", the first: " + result.skippedItems().get(0));
    }
    printer.flush();
    return result;
  }
}
