package dev.graft.cli;

import dev.graft.error.NamesSettings;
import java.util.Map;

/**
 * The command-line flag of each library setting: the library's messages name its settings by field and setter
 * (any {@link NamesSettings} exception: a {@code SettingException}, a {@code GraftException}, a {@code DataException}),
 * and the command line says them again with the flags the user typed.
 *
 * <pre>{@code
 * catch (IllegalArgumentException e) {
 *   throw new CommandLine.ParameterException(cli, SettingFlags.describe(e));
 * }
 * }</pre>
 */
public final class SettingFlags {

  /**
   * Flags by field of the library's settings ({@code TrainConfig}, {@code HeadSpec}, {@code ExportOptions},
   * {@code LoadOptions}, {@code CutChoice}, {@code CutSearch.Options}, the data options; no two share a name), and
   * the command that lists what a library method does.
   */
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
      Map.entry("version", "--version"), Map.entry("keepOldHead", "--keep-old-head"), Map.entry("tag", "--tag"),
      Map.entry("signature", "--signature"), Map.entry("threads", "--threads"), Map.entry("cutAt", "--cut-at"),
      Map.entry("cutLayer", "--cut-layer"), Map.entry("pooling", "--pool"), Map.entry("candidates", "--cut-candidates"),
      Map.entry("trainExamples", "--probe-examples"), Map.entry("valExamples", "half of --probe-examples"),
      Map.entry("data", "--data"), Map.entry("classes", "--classes"),
      Map.entry("variables", "'graft inspect --variables'"));

  private SettingFlags() {}

  /** The flag that sets {@code field}, or null when no flag does. */
  public static String flag(String field) {
    return FLAGS.get(field);
  }

  /** The flag that sets {@code field}, or the field itself when no flag does. */
  public static String name(String field) {
    return FLAGS.getOrDefault(field, field);
  }

  /**
   * The message of {@code e} as the command line says it: each setting an exception of the library names, named by
   * its flag; any other exception's message as it is.
   */
  public static String describe(Throwable e) {
    return e instanceof NamesSettings named ? message(named) : e.getMessage();
  }

  /** {@code e}'s message with each setting named by its flag (by the library's own name where no flag sets it). */
  public static String message(NamesSettings e) {
    return e.render(SettingFlags::name);
  }
}
