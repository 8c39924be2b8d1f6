package dev.graft.bench;

import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.Objects;

/**
 * Graft against Python Keras on real backbones: for each model, Graft's job in a fresh JVM ({@link BackboneRun}) and
 * the Keras peer's in its own Python process, one after the other, the order alternating from model to model so that
 * a machine getting busier or quieter favours neither side.
 */
final class BackboneComparison {

  /** What both sides measured on one model. */
  record Measured(Backbone model, Map<String, String> graft, Map<String, String> keras, boolean graftFirst) {}

  /** The settings both sides share. */
  record Settings(Path fixtures, Path data, ThreadSetting threads, int epochs, int batch, boolean oneDnn) {

    /** What both sides' processes get in their environment: TensorFlow's oneDNN switch when it is asked for. */
    Map<String, String> environment() {
      return oneDnn ? Map.of(ONEDNN, "1") : Map.of();
    }
  }

  /** TensorFlow's switch of its oneDNN kernels, read from the environment when the process first needs it. */
  static final String ONEDNN = "TF_ENABLE_ONEDNN_OPTS";

  private final Settings settings;
  private final KerasPeer peer;

  BackboneComparison(Settings settings, KerasPeer peer) {
    this.settings = settings;
    this.peer = peer;
  }

  /**
   * Why the comparison cannot run here (a missing fixture or data folder), or null when it can. The benchmark skips
   * it loudly then.
   */
  static String missing(Settings settings, List<Backbone> models) {
    for (String split : List.of("train", "val")) {
      if (!Files.isDirectory(settings.data().resolve(split))) {
        return settings.data().resolve(split) + " is missing (the X-ray data set of ../shared/datasets)";
      }
    }
    for (Backbone m : models) {
      if (!Files.isRegularFile(settings.fixtures().resolve(m.name()).resolve("saved_model.pb"))) {
        return "fixture " + settings.fixtures().resolve(m.name()) + " is missing (src/python/bootstrap.sh writes "
            + "it; mobilenet_v1_025_pooled needs ../shared/weights)";
      }
    }
    return null;
  }

  List<Measured> run(List<Backbone> models, GraftRuns.Progress progress) {
    List<Measured> out = new ArrayList<>();
    for (int i = 0; i < models.size(); i++) {
      Backbone m = models.get(i);
      boolean graftFirst = i % 2 == 0;
      Map<String, String> graft = null;
      Map<String, String> keras = null;
      for (int side = 0; side < 2; side++) {
        if ((side == 0) == graftFirst) {
          progress.say(m.name() + ": Graft (own JVM)");
          graft = ChildJvm.run(BackboneRun.class, List.of(), args(m), settings.environment(), ChildJvm.classPath());
        } else {
          progress.say(m.name() + ": Keras (own Python process)");
          keras = peer.run(settings.fixtures(), settings.data(), settings.threads(), settings.epochs(),
              settings.batch(), m, settings.environment());
        }
      }
      keep(m.name() + ".graft.txt", graft);
      keep(m.name() + ".keras.txt", keras);
      checkSameWork(m, graft, keras);
      out.add(new Measured(m, graft, keras, graftFirst));
    }
    return out;
  }

  /** Where each side's raw results are kept after the run, {@code key=value} a line. */
  static final Path RESULTS = Path.of("target", "bench", "backbones");

  private static void keep(String file, Map<String, String> results) {
    StringBuilder text = new StringBuilder();
    results.forEach((k, v) -> text.append(k).append('=').append(v).append('\n'));
    try {
      Files.createDirectories(RESULTS);
      Files.writeString(RESULTS.resolve(file), text);
    } catch (IOException e) {
      throw new UncheckedIOException("Cannot write " + RESULTS.resolve(file), e);
    }
  }

  private List<String> args(Backbone m) {
    List<String> args = new ArrayList<>(List.of(settings.fixtures().toString(), settings.data().toString(),
        settings.threads().arg(), String.valueOf(settings.epochs()), String.valueOf(settings.batch())));
    args.addAll(m.runArgs());
    return args;
  }

  /** Both sides must have read the same images and trained the same layers, or the rows compare nothing. */
  private static void checkSameWork(Backbone m, Map<String, String> graft, Map<String, String> keras) {
    for (String key : List.of("train.fingerprint", "val.fingerprint", "finetune.fingerprint", "features",
        "ft.last.layers", "ft.all.layers")) {
      if (!Objects.equals(graft.get(key), keras.get(key))) {
        throw new IllegalStateException(m.name() + ": Graft and Keras differ in " + key + ": Graft " + graft.get(key)
            + ", Keras " + keras.get(key) + "; both sides must read the same images and train the same layers");
      }
    }
  }
}
