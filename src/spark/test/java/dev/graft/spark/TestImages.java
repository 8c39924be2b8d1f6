package dev.graft.spark;

import static org.junit.jupiter.api.Assumptions.assumeTrue;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.stream.Stream;

/** Small folders of real chest X-ray images (from ../shared) for the Spark tests, copied into a test's folder. */
final class TestImages {

  /** The shared X-ray set's training folder (class folders NORMAL, PNEUMONIA of 224x224 JPEGs). */
  static final Path XRAY_TRAIN = findShared().resolve("datasets/chest-xray-224/train");

  private TestImages() {}

  private static Path findShared() {
    for (Path p = Path.of("").toAbsolutePath(); p != null; p = p.getParent()) {
      if (Files.isDirectory(p.resolve("shared/datasets"))) {
        return p.resolve("shared");
      }
    }
    return Path.of("../shared");
  }

  /** Skips the calling test, loudly, when the shared X-ray set is absent. */
  static void requireXrays() {
    if (!Files.isDirectory(XRAY_TRAIN)) {
      System.err.println("*** shared chest X-ray set absent (" + XRAY_TRAIN + "): Spark image test skipped");
    }
    assumeTrue(Files.isDirectory(XRAY_TRAIN), "shared chest X-ray set absent: " + XRAY_TRAIN);
  }

  /** Copies the first {@code perClass} images of each class (in name order) to {@code dir}/CLASS/. */
  static Path xrays(Path dir, int perClass) throws IOException {
    requireXrays();
    for (String cls : List.of("NORMAL", "PNEUMONIA")) {
      Path target = Files.createDirectories(dir.resolve(cls));
      try (Stream<Path> files = Files.list(XRAY_TRAIN.resolve(cls))) {
        for (Path f : files.sorted().limit(perClass).toList()) {
          Files.copy(f, target.resolve(f.getFileName()));
        }
      }
    }
    return dir;
  }
}
