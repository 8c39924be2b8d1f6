package dev.graft.export;

/**
 * How a retrained model is exported.
 *
 * @param version the TensorFlow Serving version folder, or 0 for the next free integer
 * @param keepOldHead whether the export also answers the original task ({@code old_probabilities}, signature {@code original})
 * @param bakePreprocessing whether the serving graph scales raw inputs itself (clients then send raw values)
 * @param metadata extra JSON-able entries for {@code graft.json} (training config, metrics...)
 */
public record ExportOptions(int version, boolean keepOldHead, boolean bakePreprocessing,
    java.util.Map<String, Object> metadata) {

  public ExportOptions {
    if (version < 0) {
      throw new IllegalArgumentException("--version must be a positive integer, got " + version);
    }
    metadata = metadata == null ? java.util.Map.of() : java.util.Map.copyOf(metadata);
  }

  /** Next free version, no old head, preprocessing baked in. */
  public static ExportOptions defaults() {
    return new ExportOptions(0, false, true, java.util.Map.of());
  }
}
