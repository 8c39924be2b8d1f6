package dev.graft.spark;

import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.SerializationFeature;
import dev.graft.error.GraftException;
import java.io.IOException;
import java.io.OutputStream;
import java.io.UncheckedIOException;
import java.util.UUID;
import java.util.function.LongFunction;
import org.apache.hadoop.fs.FileSystem;
import org.apache.hadoop.fs.Path;
import org.apache.spark.sql.Dataset;
import org.apache.spark.sql.Row;
import org.apache.spark.sql.SparkSession;

/**
 * Writes a Parquet table whole or not at all: into a temporary folder beside the target, with a JSON description
 * inside, then one rename. A target that exists is refused, never overwritten.
 */
public final class AtomicParquet {

  private static final ObjectMapper JSON = new ObjectMapper().enable(SerializationFeature.INDENT_OUTPUT);

  private AtomicParquet() {}

  /**
   * Writes {@code rows} to {@code dir} with {@code infoFile} inside.
   *
   * @param option the command-line option naming {@code dir}, for the message when it exists
   * @param info the description, given the row count written
   * @return the folder, fully qualified
   * @throws GraftException when {@code dir} exists
   */
  public static String write(Dataset<Row> rows, String dir, String option, String infoFile, LongFunction<?> info) {
    SparkSession spark = rows.sparkSession();
    Path target = new Path(dir);
    try {
      FileSystem fs = target.getFileSystem(spark.sparkContext().hadoopConfiguration());
      target = fs.makeQualified(target);
      if (fs.exists(target)) {
        throw new GraftException("The folder " + dir + " already exists; pass another " + option + " folder, or "
            + "remove it if it is an old run's (Graft does not overwrite it)");
      }
      // not hidden (no leading '.' or '_'): Spark would not read it back
      Path temp = new Path(target.getParent(), target.getName() + ".graft-tmp-" + UUID.randomUUID());
      try {
        rows.write().parquet(temp.toString());
        long count = spark.read().parquet(temp.toString()).count();
        try (OutputStream out = fs.create(new Path(temp, infoFile), false)) {
          JSON.writeValue(out, info.apply(count));
        }
        if (!fs.rename(temp, target)) {
          throw new IOException("could not rename " + temp + " to " + target);
        }
        return target.toString();
      } finally {
        if (fs.exists(temp)) {
          fs.delete(temp, true);
        }
      }
    } catch (IOException e) {
      throw new UncheckedIOException("Cannot write " + dir + ": " + e.getMessage(), e);
    }
  }
}
