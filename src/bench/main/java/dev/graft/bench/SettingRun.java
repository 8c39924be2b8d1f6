package dev.graft.bench;

import com.fasterxml.jackson.core.JsonProcessingException;
import com.fasterxml.jackson.databind.ObjectMapper;
import java.nio.file.Path;
import java.util.List;
import java.util.Map;

/**
 * Everything measured on one thread setting ({@link GraftRuns#run}), in a fresh JVM. TensorFlow keeps the intra-op
 * thread pool of the first session a process opens for every later session, so settings measured one after the
 * other in one JVM would all run on the first one's pool. Reports the {@link GraftRuns.SettingResult} as JSON in
 * one {@code RESULT setting=...} line.
 *
 * <p>Arguments: model folder, thread setting {@code INTRA,INTER}, head-only epochs, fine-tuning examples, rounds,
 * policies (comma-separated).
 */
public final class SettingRun {

  private static final ObjectMapper JSON = new ObjectMapper();
  private static final String KEY = "setting";

  private SettingRun() {}

  public static void main(String[] args) throws JsonProcessingException {
    ThreadSetting threads = ThreadSetting.parse(args[1]);
    GraftRuns runs = new GraftRuns(Path.of(args[0]), BenchData.open(), Integer.parseInt(args[2]),
        Integer.parseInt(args[3]), Integer.parseInt(args[4]), List.of(args[5].split(",")));
    GraftRuns.SettingResult result = runs.run(threads, what -> System.err.println("          " + what));
    ChildJvm.result(KEY, JSON.writeValueAsString(result));
  }

  /** Runs {@code threads} in a fresh JVM and returns what it measured. */
  static GraftRuns.SettingResult inChildJvm(Path model, ThreadSetting threads, int headEpochs, int fineTuneExamples,
      int rounds, List<String> policies) {
    Map<String, String> results = ChildJvm.run(SettingRun.class, List.of(), List.of(model.toString(), threads.arg(),
        String.valueOf(headEpochs), String.valueOf(fineTuneExamples), String.valueOf(rounds),
        String.join(",", policies)), Map.of(), ChildJvm.classPath());
    String json = results.get(KEY);
    if (json == null) {
      throw new IllegalStateException("The run of threads " + threads + " reported no result");
    }
    try {
      return JSON.readValue(json, GraftRuns.SettingResult.class);
    } catch (JsonProcessingException e) {
      throw new IllegalStateException("Cannot read the result of threads " + threads + ": " + e.getMessage(), e);
    }
  }
}
