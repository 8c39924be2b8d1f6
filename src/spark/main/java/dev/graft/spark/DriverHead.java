package dev.graft.spark;

import dev.graft.GraftModel;
import dev.graft.data.LabeledData;
import dev.graft.data.Splits;
import dev.graft.features.FeatureFile;
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
 * a local file (heap use does not grow with the table), in the order a single machine reads the image folder
 * (label, then path), and the library's trainer runs on them, so hidden layers, dropout, every optimizer and
 * schedule work as in {@code retrain}, and the same seed gives the same split and batches.
 */
public final class DriverHead {

  private DriverHead() {}

  /**
   * Replaces {@code model}'s head with {@code spec} and trains it on the table's rows.
   *
   * @param valSplit the validation fraction split off as {@code retrain} splits it (stratified, by the seed); 0 for
   *     none
   * @param scratch a local folder for the rows' file (deleted afterwards)
   */
  public static TrainResult train(SparkSession spark, FeatureTable table, GraftModel model, HeadSpec spec,
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
      model.replaceHead(spec);
      return model.trainHead(train, val, config);
    } finally {
      rows.delete();
    }
  }

  /** The table's rows in single-machine order, written to {@code file}. */
  static FeatureFile stream(SparkSession spark, FeatureTable table, Path file) {
    int width = Math.toIntExact(table.info().featureSize());
    List<String> classes = table.info().classNames();
    try (FeatureFile.Writer writer = FeatureFile.writer(file, width)) {
      Iterator<Row> it = table.read(spark).select("label", "path", "features")
          .orderBy(functions.col("label"), functions.col("path")).toLocalIterator();
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
