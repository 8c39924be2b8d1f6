package dev.graft.testing;

import static org.junit.jupiter.api.Assumptions.assumeTrue;

import java.nio.file.Files;
import java.nio.file.Path;

/** Locates the SavedModels exported by Python TensorFlow that sit beside the project. */
public final class SharedModels {

  private static final Path ROOT = findRoot();

  private SharedModels() {}

  private static Path findRoot() {
    String override = System.getenv("GRAFT_SHARED_MODELS");
    if (override != null) {
      return Path.of(override);
    }
    Path cwd = Path.of("").toAbsolutePath();
    for (Path p = cwd; p != null; p = p.getParent()) {
      Path candidate = p.resolve("shared/savedmodels-python");
      if (Files.isDirectory(candidate)) {
        return candidate;
      }
    }
    return cwd.resolve("../shared/savedmodels-python");
  }

  /** The folder of a shared model; the calling test is skipped when the shared folder is absent. */
  public static Path model(String name) {
    Path path = ROOT.resolve(name);
    assumeTrue(Files.isDirectory(path), "shared SavedModel folder absent: " + path);
    return path;
  }

  /** Whether the shared folder is present. */
  public static boolean present() {
    return Files.isDirectory(ROOT);
  }
}
