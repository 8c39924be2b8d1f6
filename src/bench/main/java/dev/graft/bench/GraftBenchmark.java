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
 * Measures Graft against Python Keras on real backbones (the X-ray images of {@code ../shared}), and Graft's training
 * paths on the repo's fashion_cnn and Fashion-MNIST classes 5-9 against TensorFlow's limits and Deeplearning4j; prints
 * Markdown tables, every figure from the same run.
 *
 * <pre>
 * mvn -q -Pbench verify                                            # everything, about 10 minutes on 2 cores
 * mvn -q -Pbench verify -Dbench.args="--quick"                     # a few images per row, to try it out
 * mvn -q -Pbench verify -Dbench.args="--backbones none --no-dl4j"  # fashion_cnn only, no Deeplearning4j
 * </pre>
 */
@Command(name = "graft-benchmark", mixinStandardHelpOptions = true,
    description = "Benchmark Graft against Python Keras on real backbones, and its head-only and fine-tuning paths "
        + "against TensorFlow's limits and Deeplearning4j.")
public final class GraftBenchmark implements Callable<Integer> {

  /** The thread setting this benchmark found best on the 2-core machine (README, "Benchmark"). */
  static final String DEFAULT_THREADS = "2,1";
  /** Examples and rounds of the prefetch comparison. */
  static final int PREFETCH_EXAMPLES = 6400;
  static final int PREFETCH_ROUNDS = 2;

  @Option(names = "--model", defaultValue = "savedmodels/fashion_cnn", description = "SavedModel (default: ${DEFAULT-VALUE}).")
  Path model;

  @Option(names = "--threads", defaultValue = DEFAULT_THREADS, paramLabel = "INTRA,INTER",
      description = "TensorFlow intra-op,inter-op threads of both sides of the Keras comparison, the fashion_cnn "
          + "tables and the DL4J comparison; 0 = TensorFlow's choice (default: ${DEFAULT-VALUE}, the best setting "
          + "measured here).")
  String threads;

  @Option(names = "--backbones", defaultValue = "mobilenet_v1_025_pooled,mobilenet_v2,efficientnet_b0", split = ",",
      description = "Fixtures compared with Python Keras, or 'none' (default: ${DEFAULT-VALUE}).")
  List<String> backbones;

  @Option(names = "--quick", description = "A few images per row of the Keras comparison (64, fine-tuning 32), to try "
      + "the benchmark out; the figures are not the benchmark's.")
  boolean quick;

  @Option(names = "--fixtures", defaultValue = "target/python-fixtures",
      description = "Folder of the Python-made fixtures (default: ${DEFAULT-VALUE}).")
  Path fixtures;

  @Option(names = "--xray", defaultValue = "../shared/datasets/chest-xray-224",
      description = "X-ray data set with train/ and val/ class folders (default: ${DEFAULT-VALUE}).")
  Path xray;

  @Option(names = "--backbone-batch", defaultValue = "32",
      description = "Training batch size of the Keras comparison (default: ${DEFAULT-VALUE}).")
  int backboneBatch;

  @Option(names = "--backbone-epochs", defaultValue = "10",
      description = "Head-only epochs of the Keras comparison (default: ${DEFAULT-VALUE}).")
  int backboneEpochs;

  @Option(names = "--onednn", negatable = true, defaultValue = "true", fallbackValue = "true",
      description = "Both sides of the Keras comparison with TensorFlow's oneDNN kernels (" + BackboneComparison.ONEDNN
      + "=1 in each process's environment; on by default, and TensorFlow's own default on CPUs with AVX-512 VNNI); "
      + "--no-onednn leaves each side TensorFlow's own choice, which is off on a CPU without AVX-512.")
  boolean oneDnn;

  @Option(names = "--no-toy", description = "Leave out the fashion_cnn tables and the DL4J comparison.")
  boolean noToy;

  @Option(names = "--sweep", defaultValue = "none", split = ";", paramLabel = "INTRA,INTER",
      description = "fashion_cnn thread settings measured side by side, ';'-separated (e.g. '0,0;1,1;2,1'), or 'none' "
          + "for the main setting alone (default: ${DEFAULT-VALUE}).")
  List<String> sweep;

  @Option(names = "--sweep-rounds", defaultValue = "1",
      description = "Rounds over the thread settings, in alternating order; figures are their means "
          + "(default: ${DEFAULT-VALUE}).")
  int sweepRounds;

  @Option(names = "--prefetch-table", description = "Also measure prefetch against none on IDX and JPEG folders.")
  boolean prefetchTable;

  @Option(names = "--head-epochs", defaultValue = "3",
      description = "fashion_cnn head-only epochs of one round (default: ${DEFAULT-VALUE}).")
  int headEpochs;

  @Option(names = "--fine-tune-examples", defaultValue = "3200",
      description = "fashion_cnn training examples of a fine-tuning epoch (default: ${DEFAULT-VALUE}).")
  int fineTuneExamples;

  @Option(names = "--rounds", defaultValue = "3",
      description = "Timed fashion_cnn fine-tuning epochs of one sweep round, each preceded by a bare pass "
          + "(default: ${DEFAULT-VALUE}).")
  int rounds;

  @Option(names = "--policies", defaultValue = "last:2,all", split = ",",
      description = "fashion_cnn fine-tuning policies (default: ${DEFAULT-VALUE}).")
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
    if (headEpochs < 2 || longEpochs < 10 || rounds < 1 || sweepRounds < 1 || backboneEpochs < 2
        || backboneBatch < 1) {
      throw new CommandLine.ParameterException(new CommandLine(this), "--head-epochs and --backbone-epochs must be "
          + ">= 2, --long-epochs >= 10, --rounds, --sweep-rounds and --backbone-batch >= 1");
    }
    ThreadSetting main = ThreadSetting.parse(threads);
    List<Backbone> models = backbones.size() == 1 && backbones.get(0).equals("none") ? List.of()
        : backbones.stream().map(String::strip).map(Backbone::named).map(b -> quick ? b.quick() : b).toList();
    String loadBefore = Machine.loadAverage();
    Machine.CpuTimes cpuBefore = Machine.CpuTimes.now();

    BackboneComparison.Settings settings = new BackboneComparison.Settings(fixtures, xray, main, backboneEpochs,
        backboneBatch, oneDnn);
    List<BackboneComparison.Measured> measured = List.of();
    String skipped = null;
    KerasPeer peer = null;
    if (!models.isEmpty()) {
      skipped = BackboneComparison.missing(settings, models);
      if (skipped == null) {
        peer = KerasPeer.find();
        measured = new BackboneComparison(settings, peer).run(models, this::progress);
      } else {
        System.err.println("*** The comparison with Python Keras is SKIPPED: " + skipped);
      }
    }
    Toy toy = noToy ? null : toy(main);
    String loadAfter = Machine.loadAverage();
    String cpu = Machine.CpuTimes.now().since(cpuBefore);

    Report.machineHeader(out, loadBefore, loadAfter, cpu, (System.nanoTime() - started) / 1e9);
    BackboneReport backboneReport = measured.isEmpty() ? null : new BackboneReport(out, measured, settings);
    if (backboneReport != null) {
      StringBuilder env = new StringBuilder();
      settings.environment().forEach((k, v) -> env.append(k).append('=').append(v).append(' '));
      backboneReport.header(env + KerasPeer.shellLine(peer.command(fixtures, xray, main, backboneEpochs,
          backboneBatch, models)));
    } else if (skipped != null) {
      out.println("keras     the comparison with Python Keras was SKIPPED: " + skipped);
    }
    if (toy != null) {
      toy.report().header(toy.data(), sweepRounds, headEpochs, fineTuneExamples, rounds, dl4jRounds);
    }
    out.println();
    if (backboneReport != null) {
      backboneReport.table();
      backboneReport.notes();
      out.println();
    }
    if (toy != null) {
      out.println("fashion_cnn (the repo's 28x28 CNN) on Fashion-MNIST classes 5-9:");
      out.println();
      toy.report().mainTable();
      if (toy.results().size() > 1) {
        toy.report().sweepTable(toy.results(), main);
      }
      if (toy.prefetch() != null) {
        toy.report().prefetchTable(toy.prefetch(), PREFETCH_ROUNDS);
      }
      if (toy.dl4j()) {
        toy.report().dl4jTable();
      }
      toy.report().notes();
    }
    return 0;
  }

  /** What the fashion_cnn part measured, ready to print. */
  private record Toy(Report report, BenchData data, List<GraftRuns.SettingResult> results,
      List<PrefetchRuns.Result> prefetch, boolean dl4j) {}

  /** The fashion_cnn tables: thread settings, the Dense(5) head, prefetch, the long runs, Deeplearning4j. */
  private Toy toy(ThreadSetting main) throws IOException {
    List<ThreadSetting> settings = new ArrayList<>();
    if (!(sweep.size() == 1 && sweep.get(0).equals("none"))) {
      sweep.forEach(s -> settings.add(ThreadSetting.parse(s)));
    }
    if (!settings.contains(main)) {
      settings.add(main);
    }
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
        String label = "fashion_cnn round " + (round + 1) + ", threads " + setting + ": ";
        // Each setting in its own JVM: TensorFlow's intra-op pool is the first session's, process-wide.
        progress(label + "own JVM");
        byRound.computeIfAbsent(setting, k -> new ArrayList<>()).add(SettingRun.inChildJvm(model, setting, headEpochs,
            fineTuneExamples, rounds, policies));
      }
    }
    List<GraftRuns.SettingResult> results = settings.stream()
        .map(s -> GraftRuns.SettingResult.mean(byRound.get(s))).toList();
    GraftRuns.SettingResult chosen = results.stream().filter(r -> r.threads().equals(main)).findFirst().orElseThrow();
    progress("fashion_cnn threads " + main + ": head-only with the retrain job's Dense(5) head");
    GraftRuns.Backbone linearBefore = runs.backbone(main);
    GraftRuns.HeadOnly linear = runs.headOnly(main, GraftRuns.linearHeadSpec(), linearBefore);
    GraftRuns.BackboneLimit linearLimit = new GraftRuns.BackboneLimit(linearBefore.examplesPerSecond(),
        linear.backboneAfterExPerSec());
    List<PrefetchRuns.Result> prefetch = null;
    if (prefetchTable) {
      progress("fashion_cnn threads " + main + ": " + PrefetchRuns.DEPTH + "-batch prefetch against none");
      Path scratch = Files.createTempDirectory("graft-bench-prefetch");
      try {
        prefetch = new PrefetchRuns(runs, PREFETCH_ROUNDS).run(main, data.trainSubset(PREFETCH_EXAMPLES), scratch);
      } finally {
        MoreFiles.deleteRecursively(scratch, RecursiveDeleteOption.ALLOW_INSECURE);
      }
    }
    progress("fashion_cnn long head-only run (own JVM)");
    List<String> longArgs = List.of(model.toString(), main.arg(), String.valueOf(longEpochs));
    Map<String, String> longRun = ChildJvm.run(LongRun.class, List.of(), longArgs, Map.of(), ChildJvm.classPath());
    List<String> fixedHeap = List.of(LongRun.FIXED_HEAP_ARGS.split(" "));
    progress("fashion_cnn long head-only run, heap fixed (own JVM)");
    Map<String, String> longRunFixedHeap = ChildJvm.run(LongRun.class, fixedHeap, longArgs, Map.of(),
        ChildJvm.classPath());
    progress("fashion_cnn long head-only run, heap fixed, MALLOC_ARENA_MAX=2 (own JVM)");
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
    Report report = new Report(out, chosen, linear, linearLimit, longRun, longRunFixedHeap, longRunArenas, dl4j,
        longEpochs);
    return new Toy(report, data, results, prefetch, dl4j != null);
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
