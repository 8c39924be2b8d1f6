package dev.graft.spark;

import dev.graft.GraftModel;
import dev.graft.data.LabeledData;
import dev.graft.data.view.Splits;
import dev.graft.extract.FeatureFile;
import dev.graft.head.HeadSpec;
import dev.graft.train.TrainConfig;
import dev.graft.train.TrainResult;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Iterator;
import java.util.List;
import org.apache.spark.sql.Row;
import org.apache.spark.sql.SparkSession;
import org.apache.spark.sql.functions;

/**
 * Trains a Graft head on the driver from a feature table: the rows stream to the driver one partition at a time into
 * a local file (the heap holds one part of about 64 MB, and the labels), in the order a single machine reads the image folder
 * (label, then path), and the library's trainer runs on them, so hidden layers, dropout, every optimizer and
 * schedule work as in {@code retrain}, and the same seed gives the same split and batches.
 */
public final class DriverHead {

  /** Feature bytes the driver holds at once while streaming a table. */
  static final long PART_BYTES = 64L << 20;

  private DriverHead() {}

  /**
   * What the driver did.
   *
   * @param training the trainer's result
   * @param rows rows streamed from the table
   * @param streamSeconds wall time of streaming them into the local file
   * @param trainSeconds wall time of the training
   */
  public record Result(TrainResult training, long rows, double streamSeconds, double trainSeconds) {}

  /**
   * Replaces {@code model}'s head with {@code spec} and trains it on the table's rows.
   *
   * @param valSplit the validation fraction split off as {@code retrain} splits it (stratified, by the seed); 0 for
   *     none
   * @param scratch a local folder for the rows' file (deleted afterwards)
   */
  public static Result train(SparkSession spark, FeatureTable table, GraftModel model, HeadSpec spec,
      TrainConfig config, double valSplit, Path scratch) {
    Path file;
    try {
      Files.createDirectories(scratch);
      file = Files.createTempFile(scratch, "graft-features-", ".f32");
      Files.delete(file);
    } catch (IOException e) {
      throw new UncheckedIOException("Cannot create a file for the features in " + scratch + ": " + e.getMessage(), e);
    }
    FeatureFile rows;
    long start = System.nanoTime();
    try {
      rows = stream(spark, table, file);
    } catch (Exception e) {
      throw SparkJobs.unwrap(e);
    }
    try {
      LabeledData train = rows;
      LabeledData val = null;
      if (valSplit > 0) {
        Splits.Split split = Splits.stratified(rows, valSplit, config.seed());
        train = split.train();
        val = split.val();
      }
      double streamed = (System.nanoTime() - start) / 1e9;
      model.replaceHead(spec);
      long trainStart = System.nanoTime();
      TrainResult result = model.trainHead(train, val, config);
      return new Result(result, rows.size(), streamed, (System.nanoTime() - trainStart) / 1e9);
    } finally {
      rows.delete();
    }
  }

  /**
   * The table's rows in single-machine order, written to {@code file}: range-partitioned by (label, path) into
   * parts of about {@value #PART_BYTES} bytes, each sorted, fetched to the driver one at a time.
   */
  static FeatureFile stream(SparkSession spark, FeatureTable table, Path file) {
    int width = Math.toIntExact(table.info().featureSize());
    List<String> classes = table.info().classNames();
    int parts = (int) Math.max(1, Math.min(100_000, (table.info().rows() * width * 4L + PART_BYTES - 1) / PART_BYTES));
    try (FeatureFile.Writer writer = FeatureFile.writer(file, width)) {
      Iterator<Row> it = table.read(spark).select("label", "path", "features")
          .repartitionByRange(parts, functions.col("label"), functions.col("path"))
          .sortWithinPartitions("label", "path").toLocalIterator();
      while (it.hasNext()) {
        Row row = it.next();
        writer.add(floats(row.getList(2)), row.getInt(0));
      }
      return writer.finish(classes);
    }
  }

  static float[] floats(List<Float> values) {
    float[] out = new float[values.size()];
    for (int i = 0; i < out.length; i++) {
      out[i] = values.get(i);
    }
    return out;
  }
}
