package dev.graft.export;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import dev.graft.data.transform.Preprocessing;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Optional;

/**
 * What a Graft export's {@code assets.extra/graft.json} says about its input: the contract and the scaling Graft
 * applied to its decoded examples.
 *
 * <pre>{@code
 * ExportMetadata.read(Path.of("runs/retrain/1")).ifPresent(m -> System.out.println(m.describe()));
 * }</pre>
 *
 * @param inputContract what the export's input takes
 * @param preprocessing the scaling of raw decoded values Graft used in training
 * @param baked whether the serving graph applies {@code preprocessing} itself
 */
public record ExportMetadata(ExportOptions.InputContract inputContract, Preprocessing preprocessing, boolean baked) {

  /** Where an export keeps it. */
  public static final String FILE = "assets.extra/graft.json";

  /**
   * The metadata of the export in {@code dir}; empty when {@code dir} is no Graft export (no {@code graft.json}).
   *
   * @throws IllegalArgumentException when the file exists but cannot be read or names an unknown preprocessing
   */
  public static Optional<ExportMetadata> read(Path dir) {
    Path file = dir.resolve(FILE);
    if (!Files.isRegularFile(file)) {
      return Optional.empty();
    }
    JsonNode json;
    try {
      json = new ObjectMapper().readTree(file.toFile());
    } catch (IOException e) {
      throw new IllegalArgumentException(file + " is not readable JSON (" + e.getMessage().lines().findFirst().orElse("")
          + "); the export is damaged: export it again, or remove the file to use the folder as a plain SavedModel", e);
    }
    JsonNode p = json.path("preprocessing");
    boolean baked = p.path("bakedIntoServingGraph").asBoolean(false);
    Preprocessing preprocessing = Preprocessing.parse(p.path("mode").asText("none"));
    ExportOptions.InputContract contract = p.has("inputContract")
        ? ExportOptions.InputContract.parse(p.path("inputContract").asText())
        : baked ? ExportOptions.InputContract.RAW_PIXELS : ExportOptions.InputContract.DROP_IN;
    return Optional.of(new ExportMetadata(contract, preprocessing, baked));
  }

  /**
   * The scaling a reader of raw decoded values applies before feeding the export: none when the export scales
   * raw values itself, else the recorded one.
   */
  public Preprocessing clientPreprocessing() {
    return baked ? Preprocessing.none() : preprocessing;
  }

  /** One line saying what the export's input takes. */
  public String describe() {
    if (baked) {
      return "raw-pixels: the serving graph applies '" + preprocessing + "' to raw values (pixels 0-255); clients send "
          + "raw values";
    }
    if (preprocessing.mode() == Preprocessing.Mode.NONE) {
      return "drop-in: takes what the source model took; Graft fed decoded values unscaled";
    }
    return "drop-in: takes what the source model took; Graft scaled decoded values (pixels 0-255) with '"
        + preprocessing + "' before the model input, and clients do the same";
  }
}
