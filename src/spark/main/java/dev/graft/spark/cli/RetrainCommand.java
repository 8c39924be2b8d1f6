package dev.graft.spark.cli;

import dev.graft.export.SavedModelWriter;
import dev.graft.spark.Featurize;
import dev.graft.spark.SparkJobs;
import java.io.PrintWriter;
import java.nio.file.Path;
import java.util.concurrent.Callable;
import org.apache.spark.sql.SparkSession;
import picocli.CommandLine.Command;
import picocli.CommandLine.Mixin;
import picocli.CommandLine.Option;
import picocli.CommandLine.Spec;

/** {@code graft-spark retrain}: featurize on the cluster, train the head, export backbone and head. */
@Command(name = "retrain", mixinStandardHelpOptions = true,
    description = "Featurize a folder of images on Spark, train a new head on the features and export one SavedModel.",
    footer = {"", "Example:",
        "  spark-submit target/graft-spark.jar retrain --model mobilenet --data /data/xrays/train \\",
        "      --preprocess symmetric --out runs/spark"})
final class RetrainCommand implements Callable<Integer> {

  @Spec picocli.CommandLine.Model.CommandSpec spec;
  @Mixin FeatureArgs features;
  @Mixin HeadArgs head;

  @Option(names = "--features", description = "Where the feature table goes (default: OUT/features-v<VERSION>).")
  String table;

  @Option(names = "--out", defaultValue = "runs/spark-retrain",
      description = "Export folder; the model goes to OUT/<version> (default: ${DEFAULT-VALUE}).")
  Path out;

  @Option(names = "--version", defaultValue = "0", description = "Version folder number (default: next free).")
  int version;

  @Option(names = "--master", description = "Spark master when not run by spark-submit (default: local[*]).")
  String master;

  @Override
  public Integer call() throws Exception {
    PrintWriter printer = spec.commandLine().getOut();
    head.mllib();
    long v = version > 0 ? version : SavedModelWriter.nextVersion(out);
    String where = table != null ? table : out.resolve("features-v" + v).toAbsolutePath().toString();
    SparkSession spark = SparkJobs.session(master);
    try {
      long start = System.nanoTime();
      Featurize.Result featurized = FeaturizeCommand.featurize(spark, features.job(where), printer);
      HeadExport.run(spark, featurized.table(), features.model, head, out, v, printer);
      printer.printf("done     in %.1f s%n", (System.nanoTime() - start) / 1e9);
      printer.flush();
      return 0;
    } finally {
      SparkJobs.stop(spark);
    }
  }
}
