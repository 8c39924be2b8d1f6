package dev.graft.bench;

import com.google.common.io.MoreFiles;
import com.google.common.io.RecursiveDeleteOption;
import dev.graft.GraftModel;
import dev.graft.model.VariableInfo;
import java.io.IOException;
import java.io.PrintStream;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Collections;
import java.util.Comparator;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.concurrent.Callable;
import org.tensorflow.TensorFlow;
import picocli.CommandLine;
import picocli.CommandLine.Command;
import picocli.CommandLine.Option;

/**
 * Measures Graft's training paths on the repo's fashion_cnn and Fashion-MNIST classes 5-9 and prints Markdown
 * tables; every figure comes from the same run.
 *
 * <pre>
 * mvn -q -Pbench verify                                   # everything, about 5 minutes on 2 cores
 * mvn -q -Pbench verify -Dbench.args="--sweep none --no-dl4j"  # one thread setting, no Deeplearning4j
 * </pre>
 */
@Command(name = "graft-benchmark", mixinStandardHelpOptions = true,
    description = "Benchmark Graft's head-only and fine-tuning paths against TensorFlow's limits and Deeplearning4j.")
public final class GraftBenchmark implements Callable<Integer> {

  /** The thread setting this benchmark found best on the 2-core machine (README, "Benchmark"). */
  static final String DEFAULT_THREADS = "2,1";
  /** Examples and rounds of the prefetch comparison. */
  static final int PREFETCH_EXAMPLES = 6400;
  static final int PREFETCH_ROUNDS = 2;

  @Option(names = "--model", defaultValue = "savedmodels/fashion_cnn", description = "SavedModel (default: ${DEFAULT-VALUE}).")
  Path model;

  @Option(names = "--threads", defaultValue = DEFAULT_THREADS, paramLabel = "INTRA,INTER",
      description = "TensorFlow intra-op,inter-op threads of the main table, the long run and the comparison; "
          + "0 = TensorFlow's choice (default: ${DEFAULT-VALUE}, the best setting measured here).")
  String threads;

  @Option(names = "--sweep", defaultValue = "0,0;1,1;2,1", split = ";", paramLabel = "INTRA,INTER",
      description = "Thread settings measured side by side, ';'-separated, or 'none' (default: ${DEFAULT-VALUE}).")
  List<String> sweep;

  @Option(names = "--sweep-rounds", defaultValue = "2",
      description = "Rounds over the thread settings, in alternating order; figures are their means "
          + "(default: ${DEFAULT-VALUE}).")
  int sweepRounds;

  @Option(names = "--head-epochs", defaultValue = "3",
      description = "Head-only epochs of one round (default: ${DEFAULT-VALUE}).")
  int headEpochs;

  @Option(names = "--fine-tune-examples", defaultValue = "3200",
      description = "Training examples of a fine-tuning epoch (default: ${DEFAULT-VALUE}).")
  int fineTuneExamples;

  @Option(names = "--rounds", defaultValue = "3",
      description = "Timed fine-tuning epochs of one sweep round, each preceded by a bare pass "
          + "(default: ${DEFAULT-VALUE}).")
  int rounds;

  @Option(names = "--policies", defaultValue = "last:2,all", split = ",",
      description = "Fine-tuning policies (default: ${DEFAULT-VALUE}).")
  List<String> policies;

  @Option(names = "--long-epochs", defaultValue = "10", description = "Epochs of the long head-only run (default: ${DEFAULT-VALUE}).")
  int longEpochs;

  @Option(names = "--dl4j-rounds", defaultValue = "1", description = "Timed DL4J fine-tuning epochs (default: ${DEFAULT-VALUE}).")
  int dl4jRounds;

  @Option(names = "--no-dl4j", description = "Leave out the Deeplearning4j comparison.")
  boolean noDl4j;

  private final PrintStream out = System.out;
  private final long started = System.nanoTime();

  public static void main(String[] args) {
    System.exit(new CommandLine(new GraftBenchmark()).execute(args));
  }

  @Override
  public Integer call() throws IOException {
    if (headEpochs < 2 || longEpochs < 10 || rounds < 1 || sweepRounds < 1) {
      throw new CommandLine.ParameterException(new CommandLine(this),
          "--head-epochs must be >= 2, --long-epochs >= 10, --rounds and --sweep-rounds >= 1");
    }
    ThreadSetting main = ThreadSetting.parse(threads);
    List<ThreadSetting> settings = new ArrayList<>();
    if (!(sweep.size() == 1 && sweep.get(0).equals("none"))) {
      sweep.forEach(s -> settings.add(ThreadSetting.parse(s)));
    }
    if (!settings.contains(main)) {
      settings.add(main);
    }
    String loadBefore = Machine.loadAverage();
    Machine.CpuTimes cpuBefore = Machine.CpuTimes.now();
    BenchData data = BenchData.open();
    GraftRuns runs = new GraftRuns(model, data, headEpochs, fineTuneExamples, rounds, policies);

    // Rounds in alternating order (A B C, C B A, ...) so that a machine getting busier or quieter during the run
    // does not favour the settings measured first.
    Map<ThreadSetting, List<GraftRuns.SettingResult>> byRound = new LinkedHashMap<>();
    for (int round = 0; round < sweepRounds; round++) {
      List<ThreadSetting> order = new ArrayList<>(settings);
      if (round % 2 == 1) {
        Collections.reverse(order);
      }
      for (ThreadSetting setting : order) {
        String label = "round " + (round + 1) + ", threads " + setting + ": ";
        // Each setting in its own JVM: TensorFlow's intra-op pool is the first session's, process-wide.
        progress(label + "own JVM");
        byRound.computeIfAbsent(setting, k -> new ArrayList<>()).add(SettingRun.inChildJvm(model, setting, headEpochs,
            fineTuneExamples, rounds, policies));
      }
    }
    List<GraftRuns.SettingResult> results = settings.stream()
        .map(s -> GraftRuns.SettingResult.mean(byRound.get(s))).toList();
    GraftRuns.SettingResult chosen = results.stream().filter(r -> r.threads().equals(main)).findFirst().orElseThrow();
    progress("threads " + main + ": head-only with the retrain job's Dense(5) head");
    GraftRuns.Backbone linearBefore = runs.backbone(main);
    GraftRuns.HeadOnly linear = runs.headOnly(main, GraftRuns.linearHeadSpec(), linearBefore);
    GraftRuns.BackboneLimit linearLimit = new GraftRuns.BackboneLimit(linearBefore.examplesPerSecond(),
        linear.backboneAfterExPerSec());
    progress("threads " + main + ": " + PrefetchRuns.DEPTH + "-batch prefetch against none, IDX and JPEG folders");
    List<PrefetchRuns.Result> prefetch;
    Path scratch = Files.createTempDirectory("graft-bench-prefetch");
    try {
      prefetch = new PrefetchRuns(runs, PREFETCH_ROUNDS).run(main, data.trainSubset(PREFETCH_EXAMPLES), scratch);
    } finally {
      MoreFiles.deleteRecursively(scratch, RecursiveDeleteOption.ALLOW_INSECURE);
    }
    progress("long head-only run (own JVM)");
    List<String> longArgs = List.of(model.toString(), main.arg(), String.valueOf(longEpochs));
    Map<String, String> longRun = ChildJvm.run(LongRun.class, List.of(), longArgs, Map.of(), ChildJvm.classPath());
    List<String> fixedHeap = List.of(LongRun.FIXED_HEAP_ARGS.split(" "));
    progress("long head-only run, heap fixed (own JVM)");
    Map<String, String> longRunFixedHeap = ChildJvm.run(LongRun.class, fixedHeap, longArgs, Map.of(),
        ChildJvm.classPath());
    progress("long head-only run, heap fixed, MALLOC_ARENA_MAX=2 (own JVM)");
    Map<String, String> longRunArenas = ChildJvm.run(LongRun.class, fixedHeap, longArgs,
        Map.of("MALLOC_ARENA_MAX", "2"), ChildJvm.classPath());
    Map<String, String> dl4j = null;
    if (!noDl4j) {
      progress("Deeplearning4j (own JVM)");
      Path weights = Files.createTempFile("graft-bench-weights", ".bin");
      try {
        writeBackboneWeights(runs, main, weights);
        dl4j = ChildJvm.run(Dl4jRun.class, List.of(), List.of(weights.toString(), String.valueOf(headEpochs),
            String.valueOf(fineTuneExamples), String.valueOf(dl4jRounds), String.join(",", policies)), Map.of(),
            ChildJvm.dl4jClassPath());
      } finally {
        Files.deleteIfExists(weights);
      }
    }
    String loadAfter = Machine.loadAverage();
    String cpu = Machine.CpuTimes.now().since(cpuBefore);

    Report report = new Report(out, chosen, linear, linearLimit, longRun, longRunFixedHeap, longRunArenas, dl4j,
        longEpochs);
    report.header(data, loadBefore, loadAfter, cpu, (System.nanoTime() - started) / 1e9, sweepRounds, headEpochs,
        fineTuneExamples, rounds, dl4jRounds);
    report.mainTable();
    report.sweepTable(results, main);
    report.prefetchTable(prefetch, PREFETCH_ROUNDS);
    if (dl4j != null) {
      report.dl4jTable();
    }
    report.notes();
    return 0;
  }

  private void writeBackboneWeights(GraftRuns runs, ThreadSetting threads, Path file) throws IOException {
    try (GraftModel m = runs.load(threads)) {
      List<String> names = m.model().variables().stream().map(VariableInfo::name)
          .filter(n -> n.startsWith("conv2d") || n.startsWith("batch_normalization")).toList();
      Weights.write(file, Weights.read(m, names));
    }
  }

  private void progress(String what) {
    System.err.printf(Locale.ROOT, "[%5.0f s] %s%n", (System.nanoTime() - started) / 1e9, what);
  }

  /** Settings ordered by {@link GraftRuns.SettingResult#score()}, best first. */
  static List<GraftRuns.SettingResult> byScore(List<GraftRuns.SettingResult> results) {
    return results.stream().sorted(Comparator.comparingDouble(GraftRuns.SettingResult::score).reversed()).toList();
  }

  /** The version line of the header. */
  static String versions() {
    return "TensorFlow " + TensorFlow.version() + " (TF Java 1.1.0), Java " + System.getProperty("java.version");
  }
}
