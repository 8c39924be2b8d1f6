package dev.graft.testing;

import static org.junit.jupiter.api.Assertions.fail;
import static org.junit.jupiter.api.Assumptions.assumeTrue;

import java.nio.file.Files;
import java.nio.file.Path;

/** Locates the SavedModels exported by Python TensorFlow that sit beside the project. */
public final class SharedModels {

  private static final Path ROOT = findRoot();
  private static boolean warned;

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

  /**
   * The folder of a shared model. When it is absent the calling test is skipped with one loud line naming the
   * folder; under CI ({@code CI=true}) it fails instead, since CI always has {@code ../shared} beside the checkout.
   */
  public static Path model(String name) {
    Path path = ROOT.resolve(name);
    if (!Files.isDirectory(path)) {
      String reason = "shared SavedModel folder absent, test skipped: " + path.toAbsolutePath().normalize()
          + " (set GRAFT_SHARED_MODELS or put ../shared beside the checkout)";
      if ("true".equals(System.getenv("CI"))) {
        fail(reason + "; CI=true, where ../shared must be present");
      }
      synchronized (SharedModels.class) {
        if (!warned) {
          System.err.println("*** " + reason);
          warned = true;
        }
      }
      assumeTrue(false, reason);
    }
    return path;
  }

  /** Whether the shared folder is present. */
  public static boolean present() {
    return Files.isDirectory(ROOT);
  }
}
