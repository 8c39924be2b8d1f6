package dev.graft;

import dev.graft.head.CutChoice;
import dev.graft.model.LoadedModel;
import java.nio.file.Path;

/**
 * Entry point of the library: load a SavedModel for transfer learning.
 *
 * <pre>{@code
 * try (GraftModel model = Graft.load(Path.of("savedmodels/fashion_cnn"))) {
 *   System.out.println(model.cut());
 * }
 * }</pre>
 */
public final class Graft {

  private Graft() {}

  /** Loads with tag {@code serve} and signature {@code serving_default}, locating the head automatically. */
  public static GraftModel load(Path dir) {
    return load(dir, LoadedModel.LoadOptions.defaults(), CutChoice.none());
  }

  /** Loads with tag {@code serve} and signature {@code serving_default}, cutting where {@code override} says. */
  public static GraftModel load(Path dir, CutChoice override) {
    return load(dir, LoadedModel.LoadOptions.defaults(), override);
  }

  /** Loads with the given tag and signature, cutting where {@code override} says (or where the head is). */
  public static GraftModel load(Path dir, LoadedModel.LoadOptions options, CutChoice override) {
    LoadedModel model = LoadedModel.load(dir, options);
    try {
      return new GraftModel(model, override);
    } catch (RuntimeException e) {
      model.close();
      throw e;
    }
  }
}
