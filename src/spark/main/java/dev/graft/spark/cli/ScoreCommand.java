package dev.graft.spark.cli;

import dev.graft.features.FeatureOptions;
import dev.graft.spark.AtomicParquet;
import dev.graft.spark.Featurize;
import dev.graft.spark.ImageFolders;
import dev.graft.spark.SparkJobs;
import java.io.PrintWriter;
import java.nio.file.Path;
import java.util.List;
import java.util.Map;
import java.util.concurrent.Callable;
import org.apache.spark.sql.Dataset;
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
  @Option(names = "--feature-batch", defaultValue = "64") int batch;
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
      FeatureOptions options = FeatureOptions.builder().optOutput(FeatureOptions.Output.PREDICTIONS).build();
      dev.graft.features.FeatureExtractor.open(model, options).close();
      Dataset<Row> images = spark.read().format("binaryFile").option("recursiveFileLookup", "true")
          .option("pathGlobFilter", ImageFolders.GLOB).load(data);
      var transformer = Featurize.transformer(model.toAbsolutePath().normalize().toString(), options)
          .setBatchSize(batch).setSkipBad(skipBad);
      long start = System.nanoTime();
      String written;
      try {
        written = AtomicParquet.write(transformer.transform(images)
            .select("path", "features", "class_id", "predicted_label").withColumnRenamed("features", "probabilities"),
            predictions, "--predictions", "_graft.json", rows -> Map.of("model", model.toAbsolutePath().toString(),
                "rows", rows, "skipped", transformer.skippedCount().value()));
      } catch (Exception e) {
        throw SparkJobs.unwrap(e);
      }
      Dataset<Row> scored = spark.read().parquet(written);
      printer.printf("scored   %d images in %.1f s into %s%n", scored.count(), (System.nanoTime() - start) / 1e9,
          written);
      List<Row> first = scored.orderBy("path").limit(show).collectAsList();
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
