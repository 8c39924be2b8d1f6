package dev.graft.spark;

import com.fasterxml.jackson.databind.ObjectMapper;
import dev.graft.error.GraftException;
import java.io.IOException;
import java.io.InputStream;
import java.io.UncheckedIOException;
import java.util.List;
import org.apache.hadoop.fs.FileSystem;
import org.apache.hadoop.fs.Path;
import org.apache.spark.sql.Dataset;
import org.apache.spark.sql.Row;
import org.apache.spark.sql.SparkSession;

/**
 * Features written as Parquet, one row per image ({@code path}, {@code class}, {@code label}, {@code features}),
 * with {@code _graft.json} beside the parts saying which model, cut and preprocessing made them (Spark skips
 * files starting with {@code _} when it reads the table).
 *
 * @param location the table's folder, fully qualified
 * @param info what made the features
 */
public record FeatureTable(String location, Info info) {

  /** Name of the description file inside the table's folder. */
  public static final String INFO_FILE = "_graft.json";
  private static final ObjectMapper JSON = new ObjectMapper();

  /**
   * What made a feature table.
   *
   * @param model the model folder as the driver saw it
   * @param modelSha256 SHA-256 of its {@code saved_model.pb}
   * @param tag the meta graph tag
   * @param signature the signature key
   * @param cutAt the cut asked for as an op output, or null
   * @param cutLayer the cut asked for as a layer, or null
   * @param features the tensor the features were read from
   * @param featureSize values per row
   * @param preprocess the preprocessing, in {@code --preprocess} form
   * @param data the image folder, fully qualified
   * @param classNames classes by label
   * @param rows rows written
   * @param skipped unreadable images left out
   */
  public record Info(String model, String modelSha256, String tag, String signature, String cutAt, String cutLayer,
      String features, long featureSize, String preprocess, String data, List<String> classNames, long rows,
      long skipped) {}

  /**
   * Writes {@code rows} to {@code dir}, which must not exist: into a temporary folder beside it first, then renamed, so
   * a failed run leaves no half-written table under the name.
   *
   * @param complete the description, given the row count written
   */
  public static FeatureTable write(Dataset<Row> rows, String dir, java.util.function.LongFunction<Info> complete) {
    Info[] info = new Info[1];
    String location = AtomicParquet.write(rows.select("path", "class", "label", "features"), dir, "--features",
        INFO_FILE, count -> info[0] = complete.apply(count));
    return new FeatureTable(location, info[0]);
  }

  /**
   * Opens a table that {@link #write} wrote.
   *
   * @throws GraftException when the folder is missing or holds no {@code _graft.json}
   */
  public static FeatureTable open(SparkSession spark, String dir) {
    Path target = new Path(dir);
    try {
      FileSystem fs = target.getFileSystem(spark.sparkContext().hadoopConfiguration());
      target = fs.makeQualified(target);
      Path infoFile = new Path(target, INFO_FILE);
      if (!fs.exists(infoFile)) {
        throw new GraftException("No features table at " + dir + ": " + (fs.exists(target) ? "it has no " + INFO_FILE
            : "the folder does not exist") + ". Make one with 'graft-spark featurize --features " + dir + "'");
      }
      try (InputStream in = fs.open(infoFile)) {
        return new FeatureTable(target.toString(), JSON.readValue(in, Info.class));
      }
    } catch (IOException e) {
      throw new UncheckedIOException("Cannot read the features table " + dir + ": " + e.getMessage(), e);
    }
  }

  /** The rows. */
  public Dataset<Row> read(SparkSession spark) {
    return spark.read().parquet(location);
  }
}
