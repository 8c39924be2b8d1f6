package dev.graft.spark;

import dev.graft.extract.FeatureExtractor;
import dev.graft.extract.FeatureOptions;
import java.nio.file.Path;
import java.util.Map;
import org.apache.spark.sql.Dataset;
import org.apache.spark.sql.Row;
import org.apache.spark.sql.SparkSession;

/**
 * Batch inference at scale: a Graft export's predictions for every image under a folder, written as Parquet
 * ({@code path}, {@code probabilities}, {@code class_id}, {@code predicted_label}).
 *
 * <pre>{@code
 * Score.Result result = Score.run(spark, Path.of("runs/spark/1"), "hdfs:///new-scans", "hdfs:///scored", 64, true);
 * }</pre>
 */
public final class Score {

  /** Name of the description file inside the written folder. */
  public static final String INFO_FILE = "_graft.json";

  private Score() {}

  /**
   * What a scoring job did.
   *
   * @param location the Parquet folder written
   * @param rows images scored
   * @param skipped unreadable images left out
   * @param seconds wall time of the job
   */
  public record Result(String location, long rows, long skipped, double seconds) {}

  /**
   * Scores every JPEG and PNG under {@code data} (searched recursively) with the export at {@code model}.
   *
   * @param out the folder to write; must not exist
   * @throws dev.graft.error.GraftException when {@code model} is no Graft export, or an image is unreadable without
   *     {@code skipBad} (naming the file)
   */
  public static Result run(SparkSession spark, Path model, String data, String out, int batchSize, boolean skipBad) {
    FeatureOptions options = FeatureOptions.builder().optOutput(FeatureOptions.Output.PREDICTIONS).build();
    String path = model.toAbsolutePath().normalize().toString();
    if (spark.sparkContext().isLocal()) {
      ExecutorModels.get(path, options);
    } else {
      FeatureExtractor.open(model, options).close();
    }
    GraftTransformer transformer = Featurize.transformer(path, options).setBatchSize(batchSize).setSkipBad(skipBad)
        .setOutputCol("probabilities");
    if (ModelShipping.remote(spark)) {
      transformer.shipModel(spark);
    }
    Dataset<Row> images = spark.read().format("binaryFile").option("recursiveFileLookup", "true")
        .option("pathGlobFilter", ImageFolders.GLOB).load(data);
    long start = System.nanoTime();
    long[] counts = new long[2];
    String location;
    try {
      location = AtomicParquet.write(transformer.transform(images)
          .select("path", "probabilities", "class_id", "predicted_label"), out, "--predictions", INFO_FILE, rows -> {
            counts[0] = rows;
            counts[1] = transformer.skippedCount().value();
            return Map.of("model", path, "data", data, "rows", rows, "skipped", counts[1]);
          });
    } catch (Exception e) {
      throw SparkJobs.unwrap(e);
    }
    return new Result(location, counts[0], counts[1], (System.nanoTime() - start) / 1e9);
  }
}
