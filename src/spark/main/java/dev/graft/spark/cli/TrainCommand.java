package dev.graft.spark.cli;

import dev.graft.export.SavedModelWriter;
import dev.graft.spark.FeatureTable;
import dev.graft.spark.SparkJobs;
import java.nio.file.Path;
import java.util.concurrent.Callable;
import org.apache.spark.sql.SparkSession;
import picocli.CommandLine.Command;
import picocli.CommandLine.Mixin;
import picocli.CommandLine.Option;
import picocli.CommandLine.Spec;

/** {@code graft-spark train}: a head from a feature table, exported with its backbone. */
@Command(name = "train", mixinStandardHelpOptions = true,
    description = "Train a new head on a feature table that featurize wrote and export backbone and head as one "
        + "SavedModel.")
final class TrainCommand implements Callable<Integer> {

  @Spec picocli.CommandLine.Model.CommandSpec spec;
  @Mixin HeadArgs head;

  @Option(names = "--features", required = true, description = "The feature table.") String table;

  @Option(names = "--model", description = "The model that made the features (default: the one the table names).")
  Path model;

  @Option(names = "--out", defaultValue = "runs/spark-retrain",
      description = "Export folder; the model goes to OUT/<version> (default: ${DEFAULT-VALUE}).")
  Path out;

  @Option(names = "--version", defaultValue = "0") int version;

  @Option(names = "--master", description = "Spark master when not run by spark-submit (default: local[*]).")
  String master;

  @Override
  public Integer call() throws Exception {
    head.mllib();
    SparkSession spark = SparkJobs.session(master);
    try {
      FeatureTable features = FeatureTable.open(spark, table);
      HeadExport.run(spark, features, model, head, out, version > 0 ? version : SavedModelWriter.nextVersion(out),
          spec.commandLine().getOut());
      return 0;
    } finally {
      SparkJobs.stop(spark);
    }
  }
}
