package dev.graft.spark;

import java.io.IOException;
import java.io.OutputStream;
import java.io.UncheckedIOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.stream.Stream;
import java.util.zip.ZipEntry;
import java.util.zip.ZipOutputStream;
import org.apache.spark.sql.SparkSession;

/**
 * Sends a model folder on the driver's disk to every executor, as {@code spark-submit --archives model.zip#NAME}
 * would: zipped once, added to the job's archives under the folder's name, unpacked by each executor and found
 * there by {@link ExecutorModels#resolve}.
 */
final class ModelShipping {

  private ModelShipping() {}

  /** Whether the session's executors run in other JVMs (so may not see the driver's disk). */
  static boolean remote(SparkSession spark) {
    return !spark.sparkContext().isLocal();
  }

  /** Ships {@code dir} and returns the name executors find it under. */
  static String ship(SparkSession spark, Path dir) {
    String name = dir.toAbsolutePath().normalize().getFileName().toString();
    try {
      Path zip = Files.createTempDirectory("graft-model-").resolve(name + ".zip");
      zip.toFile().deleteOnExit();
      zip.getParent().toFile().deleteOnExit();
      try (OutputStream file = Files.newOutputStream(zip); ZipOutputStream out = new ZipOutputStream(file);
          Stream<Path> walk = Files.walk(dir)) {
        List<Path> files = walk.filter(Files::isRegularFile).sorted().toList();
        for (Path f : files) {
          out.putNextEntry(new ZipEntry(dir.relativize(f).toString().replace('\\', '/')));
          Files.copy(f, out);
          out.closeEntry();
        }
      }
      spark.sparkContext().addArchive(zip.toUri() + "#" + name);
      return name;
    } catch (IOException e) {
      throw new UncheckedIOException("Cannot pack the model " + dir + " for the executors: " + e.getMessage(), e);
    }
  }
}
