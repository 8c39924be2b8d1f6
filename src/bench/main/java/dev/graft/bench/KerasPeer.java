package dev.graft.bench;

import dev.graft.data.batch.BatchStream;
import java.io.IOException;
import java.io.Reader;
import java.io.UncheckedIOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.Properties;

/**
 * Runs {@code src/bench/python/keras_peer.py}, the Python Keras side of the comparison, with the Python of the
 * build's virtual environment ({@code target/python/python.properties}, written by
 * {@code src/python/bootstrap.sh}, which the {@code bench} profile runs), one model per process.
 *
 * @param python the virtual environment's interpreter
 * @param versions what the bootstrap reported, e.g. {@code tensorflow 2.21.0, keras 3.15.1}
 */
record KerasPeer(Path python, String versions) {

  static final Path SCRIPT = Path.of("src", "bench", "python", "keras_peer.py");
  static final Path PROPERTIES = Path.of("target", "python", "python.properties");
  /** The batch of the peer's predict: Graft's forward-pass batch for 224x224 RGB images. */
  static final int INFER_BATCH = BatchStream.forwardBatchSize(224 * 224 * 3);

  /**
   * The peer of this build, or the reason there is none (the bootstrap's own reason when it could not install
   * Python TensorFlow).
   */
  static KerasPeer find() {
    if (!Files.isRegularFile(PROPERTIES)) {
      throw new IllegalStateException(PROPERTIES + " is missing: run the benchmark through 'mvn -Pbench verify', "
          + "which runs src/python/bootstrap.sh first");
    }
    Properties p = new Properties();
    try (Reader r = Files.newBufferedReader(PROPERTIES, StandardCharsets.UTF_8)) {
      p.load(r);
    } catch (IOException e) {
      throw new UncheckedIOException("Cannot read " + PROPERTIES, e);
    }
    if (!"ready".equals(p.getProperty("status"))) {
      throw new IllegalStateException("Python TensorFlow is unavailable: " + p.getProperty("reason"));
    }
    return new KerasPeer(Path.of(p.getProperty("python")), p.getProperty("versions", "?"));
  }

  /** The command that runs {@code models} through the peer, each in its own process. */
  List<String> command(Path fixtures, Path data, ThreadSetting threads, int epochs, int batch, List<Backbone> models) {
    List<String> command = new ArrayList<>(List.of(python.toString(), SCRIPT.toString(), "--fixtures",
        fixtures.toString(), "--data", data.toString(), "--threads", threads.arg(), "--epochs",
        String.valueOf(epochs), "--batch", String.valueOf(batch), "--infer-batch", String.valueOf(INFER_BATCH),
        "--head-lr", String.valueOf(BackboneRun.HEAD_LEARNING_RATE), "--lr", String.valueOf(GraftRuns.LEARNING_RATE),
        "--seed", String.valueOf(GraftRuns.SEED), "--warm-passes", String.valueOf(BackboneRun.WARM_PASSES)));
    for (Backbone m : models) {
      command.add("--model");
      command.add(m.peerSpec());
    }
    return command;
  }

  /** Runs one model and returns what the peer reported. */
  Map<String, String> run(Path fixtures, Path data, ThreadSetting threads, int epochs, int batch, Backbone model,
      Map<String, String> environment) {
    Map<String, String> env = new java.util.HashMap<>(environment);
    env.put("PYTHONHASHSEED", "0");
    return ChildJvm.exec("keras_peer.py " + model.name(),
        command(fixtures, data, threads, epochs, batch, List.of(model)), env);
  }

  /** {@link #command} as one shell line, for the report's header. */
  static String shellLine(List<String> command) {
    StringBuilder s = new StringBuilder();
    for (String part : command) {
      s.append(s.length() == 0 ? "" : " ").append(part.matches("[A-Za-z0-9_./,:=+-]+") ? part : "'" + part + "'");
    }
    return s.toString();
  }
}
