package dev.graft.cli;

import dev.graft.error.SettingException;
import java.util.Map;

/**
 * The command-line flag of each library setting: the library's messages name its settings by field and setter, and
 * the command line says them again with the flags the user typed.
 *
 * <pre>{@code
 * catch (SettingException e) {
 *   throw new CommandLine.ParameterException(cli, SettingFlags.message(e));
 * }
 * }</pre>
 */
public final class SettingFlags {

  /** Flags by field of {@code TrainConfig}, {@code HeadSpec} and {@code ExportOptions} (no two share a name). */
  private static final Map<String, String> FLAGS = Map.ofEntries(Map.entry("epochs", "--epochs"),
      Map.entry("batchSize", "--batch-size"), Map.entry("learningRate", "--lr"), Map.entry("optimizer", "--optimizer"),
      Map.entry("schedule", "--schedule"), Map.entry("freeze", "--train"), Map.entry("unfreezeEvery", "--unfreeze-every"),
      Map.entry("backboneLrMult", "--backbone-lr-mult"), Map.entry("labelSmoothing", "--label-smoothing"),
      Map.entry("classWeights", "--class-weights"), Map.entry("seed", "--seed"), Map.entry("patience", "--patience"),
      Map.entry("monitor", "--monitor"), Map.entry("featureCache", "--no-cache"), Map.entry("topK", "--top-k"),
      Map.entry("checkpointDir", "--checkpoint"), Map.entry("resume", "--resume"),
      Map.entry("batchNormTraining", "--bn-train"), Map.entry("batchNormMomentum", "--bn-momentum"),
      Map.entry("skipBad", "--skip-bad"), Map.entry("prefetch", "--prefetch"),
      Map.entry("warmupEpochs", "--warmup-epochs"), Map.entry("fineTuneLr", "--fine-tune-lr"),
      Map.entry("cacheMemory", "--cache-memory"), Map.entry("hidden", "--hidden"), Map.entry("dropout", "--dropout"),
      Map.entry("version", "--version"));

  private SettingFlags() {}

  /** The flag that sets {@code field}, or null when no flag does. */
  public static String flag(String field) {
    return FLAGS.get(field);
  }

  /** The message of {@code e} as the command line says it: a {@link SettingException}'s with flags. */
  public static String describe(Exception e) {
    return e instanceof SettingException setting ? message(setting) : e.getMessage();
  }

  /** {@code e}'s message with each setting named by its flag (by the library's own name where no flag sets it). */
  public static String message(SettingException e) {
    return e.render(field -> FLAGS.getOrDefault(field, field));
  }
}
