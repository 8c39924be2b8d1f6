package dev.graft.spark;

import java.io.ByteArrayInputStream;
import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.io.InputStream;
import java.io.Serializable;
import java.io.UncheckedIOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardCopyOption;
import java.util.List;
import java.util.stream.Stream;
import java.util.zip.ZipEntry;
import java.util.zip.ZipInputStream;
import java.util.zip.ZipOutputStream;
import org.apache.spark.SparkFiles;
import org.apache.spark.api.java.JavaSparkContext;
import org.apache.spark.broadcast.Broadcast;
import org.apache.spark.sql.SparkSession;

/**
 * Sends a model folder on the driver's disk to every executor: zipped once into a broadcast variable (which Spark
 * moves peer to peer, on any cluster manager), unpacked once per executor JVM into its work folder.
 *
 * @param name the model folder's name
 * @param sha256 SHA-256 of its {@code saved_model.pb}, which names the unpacked folder
 * @param zip the zipped folder
 */
record ModelShipping(String name, String sha256, Broadcast<byte[]> zip) implements Serializable {

  private static final long serialVersionUID = 1L;
  /** A broadcast holds one Java array. */
  private static final long MAX_BYTES = Integer.MAX_VALUE - 64;

  /** Whether the session's executors run in other JVMs (so may not see the driver's disk). */
  static boolean remote(SparkSession spark) {
    return !spark.sparkContext().isLocal();
  }

  /** Zips {@code dir} and broadcasts it. */
  static ModelShipping ship(SparkSession spark, Path dir) {
    Path folder = dir.toAbsolutePath().normalize();
    ByteArrayOutputStream bytes = new ByteArrayOutputStream();
    try (ZipOutputStream out = new ZipOutputStream(bytes); Stream<Path> walk = Files.walk(folder)) {
      List<Path> files = walk.filter(Files::isRegularFile).sorted().toList();
      long total = 0;
      for (Path f : files) {
        total += Files.size(f);
        if (total > MAX_BYTES) {
          throw new IllegalArgumentException("The model " + dir + " holds more than 2 GB, too much to broadcast; put "
              + "it on storage every node reads and pass --ship-model no");
        }
        out.putNextEntry(new ZipEntry(folder.relativize(f).toString().replace('\\', '/')));
        Files.copy(f, out);
        out.closeEntry();
      }
    } catch (IOException e) {
      throw new UncheckedIOException("Cannot pack the model " + dir + " for the executors: " + e.getMessage(), e);
    }
    Broadcast<byte[]> zip = JavaSparkContext.fromSparkContext(spark.sparkContext()).broadcast(bytes.toByteArray());
    return new ModelShipping(folder.getFileName().toString(), Featurize.sha256(folder), zip);
  }

  /** The model unpacked on this executor: once per JVM, into a folder named by its hash, renamed when complete. */
  Path unpacked() {
    Path root = Path.of(SparkFiles.getRootDirectory()).toAbsolutePath().normalize().resolve("graft-models");
    Path target = root.resolve(name + "-" + sha256.substring(0, 16));
    if (Files.isRegularFile(target.resolve("saved_model.pb"))) {
      return target;
    }
    synchronized (ModelShipping.class) {
      if (Files.isRegularFile(target.resolve("saved_model.pb"))) {
        return target;
      }
      try {
        Files.createDirectories(root);
        Path temp = Files.createTempDirectory(root, name + ".unpacking-").normalize();
        try (InputStream in = new ByteArrayInputStream(zip.value()); ZipInputStream entries = new ZipInputStream(in)) {
          for (ZipEntry e = entries.getNextEntry(); e != null; e = entries.getNextEntry()) {
            Path file = temp.resolve(e.getName()).normalize();
            if (!file.startsWith(temp)) {
              throw new IOException("entry " + e.getName() + " points outside the folder");
            }
            Files.createDirectories(file.getParent());
            Files.copy(entries, file);
          }
        }
        Files.move(temp, target, StandardCopyOption.ATOMIC_MOVE);
        return target;
      } catch (IOException e) {
        throw new UncheckedIOException("Cannot unpack the shipped model " + name + " into " + root + ": "
            + e.getMessage(), e);
      }
    }
  }
}
