package dev.graft.bench;

import java.io.PrintStream;
import java.time.LocalDate;
import java.util.List;
import java.util.Locale;
import java.util.Map;

/** Prints the benchmark's tables (Markdown) from one run's measurements. */
final class Report {

  private final PrintStream out;
  private final GraftRuns.SettingResult main;
  private final GraftRuns.HeadOnly linear;
  private final GraftRuns.BackboneLimit linearLimit;
  private final Map<String, String> longRun;
  private final Map<String, String> longRunFixedHeap;
  private final Map<String, String> longRunArenas;
  private final Map<String, String> dl4j;
  private final int longEpochs;

  Report(PrintStream out, GraftRuns.SettingResult main, GraftRuns.HeadOnly linear,
      GraftRuns.BackboneLimit linearLimit, Map<String, String> longRun,
      Map<String, String> longRunFixedHeap, Map<String, String> longRunArenas, Map<String, String> dl4j,
      int longEpochs) {
    this.out = out;
    this.main = main;
    this.linear = linear;
    this.linearLimit = linearLimit;
    this.longRun = longRun;
    this.longRunFixedHeap = longRunFixedHeap;
    this.longRunArenas = longRunArenas;
    this.dl4j = dl4j;
    this.longEpochs = longEpochs;
  }

  /** The run's first lines: date, machine, load and CPU time. */
  static void machineHeader(PrintStream out, String loadBefore, String loadAfter, String cpu, double seconds) {
    out.printf("Graft benchmark, %s%n%n", LocalDate.now());
    out.printf("machine   %s; %s%n", Machine.describe(), GraftBenchmark.versions());
    out.printf("load      1-minute load average %s before, %s after; the run took %.0f s%n", loadBefore, loadAfter,
        seconds);
    out.printf("cpu       %s%n", cpu);
  }

  /** The header lines of the fashion_cnn tables. */
  void header(BenchData data, int sweepRounds, int headEpochs, int fineTuneExamples, int rounds, int dl4jRounds) {
    out.printf("data      %s: %d training images of Fashion-MNIST classes 5-9 (head-only runs), the first %d of "
        + "them (fine-tuning), %d test images%n", data.source(), data.train().size(),
        Math.min(fineTuneExamples, data.train().size()), data.test().size());
    out.printf("model     savedmodels/fashion_cnn cut at '%s' (1568 features); new head Dense(64, relu) + Dense(5) "
        + "(fashion_cnn's own layout) unless a row says Dense(5); batch %d, Adam lr %s, seed %d%n",
        GraftRuns.CUT_LAYER, GraftRuns.BATCH, GraftRuns.LEARNING_RATE, GraftRuns.SEED);
    out.printf("protocol  %d round(s) over the thread settings, in alternating order, figures are the rounds' means; "
        + "per round and setting: head-only %d epochs (no validation), fine-tuning 1 warm-up epoch then %d epochs "
        + "each preceded by a bare-loop pass over the same examples (medians, ratios paired); DL4J: head-only %d "
        + "epochs, fine-tuning 10 warm-up batches then %d timed epoch(s)%n", sweepRounds, headEpochs, rounds,
        headEpochs, dl4jRounds);
    out.printf("threads   TensorFlow intra-op / inter-op %s for the fashion_cnn tables (--threads %s)%n",
        main.threads(), main.threads().arg());
  }

  void mainTable() {
    GraftRuns.HeadOnly head = main.head();
    MarkdownTable t = new MarkdownTable("#", "figure", "measured", "ratio", "target", "met");
    double backbone = main.backboneExPerSec();
    t.row("1", "backbone inference to the features, batch 256 (limit of a head-only epoch)", exs(backbone),
        fmt("mean of %s before and %s after the head-only run", exs(main.backbone().before()),
            exs(main.backbone().after())), "", "");
    headRows(t, head, backbone, "", "(1)");
    t.row("1'", "backbone inference again, around the Dense(5) head-only run", exs(linearLimit.examplesPerSecond()),
        fmt("mean of %s before and %s after", exs(linearLimit.before()), exs(linearLimit.after())), "", "");
    headRows(t, linear, linearLimit.examplesPerSecond(), "'", "(1')");
    for (GraftRuns.FineTune f : main.fineTunes()) {
      double ratio = f.ratio();
      t.row("4", f.policy() + " fine-tune, Graft's train()", exs(f.graftExPerSec()),
          fmt("%.2f of the bare loop (%s; %d paired epochs)", ratio, exs(f.bareExPerSec()), f.rounds()), ">= 0.90", met(ratio >= 0.9));
    }
    GraftRuns.FineTune all = main.fineTunes().stream().filter(f -> f.policy().equals("all")).findFirst().orElse(null);
    if (all != null) {
      double achieved = all.flops().stepPerExample() * all.graftExPerSec();
      t.row("5", "all fine-tune, achieved FLOP/s (" + fmt("%.2f", all.flops().stepPerExample() / 1e6)
          + " MFLOP/example counted from the graph)", gflops(achieved),
          fmt("%.2f of one 2048x2048 MatMul (%s)", achieved / main.matMulFlops(), gflops(main.matMulFlops())), "", "");
    }
    long peak = (long) ChildJvm.number(longRun, "rss.peak");
    t.row("6", fmt("peak RSS (VmHWM) of a %d-epoch head-only run with validation, own JVM", longEpochs), Rss.mib(peak),
        "", "", "");
    double growth = growth(longRun, "rss");
    t.row("6", fmt("RSS (VmRSS) growth from epoch 2 to epoch %d of that run", longEpochs), rssChange(longRun, "rss"),
        fmt("%+.1f%%", 100 * growth), "< 5%", met(growth < 0.05));
    t.row("6", "... of which the Java heap's committed size", rssChange(longRun, "heap"), "", "", "");
    t.row("6", "... the same run, Java heap fixed and touched (" + LongRun.FIXED_HEAP_ARGS + ")",
        rssChange(longRunFixedHeap, "rss"), fmt("%+.1f%%", 100 * growth(longRunFixedHeap, "rss")), "", "");
    t.row("6", "... fixed heap and MALLOC_ARENA_MAX=2 (glibc malloc arenas capped)",
        rssChange(longRunArenas, "rss"), fmt("%+.1f%%", 100 * growth(longRunArenas, "rss")), "", "");
    if (dl4j != null) {
      int behind = 0;
      for (Comparison c : comparisons()) {
        behind += c.graftAhead() ? 0 : 1;
      }
      t.row("7", "Graft vs Deeplearning4j, same model, data and starting weights (table below)",
          fmt("%d of %d rows ahead", comparisons().size() - behind, comparisons().size()), "", "every row",
          met(behind == 0));
    }
    out.println(t);
  }

  private double growth(Map<String, String> run, String what) {
    double at2 = ChildJvm.number(run, what + ".epoch2");
    return (ChildJvm.number(run, what + ".epoch" + longEpochs) - at2) / at2;
  }

  private String rssChange(Map<String, String> run, String what) {
    return Rss.mib((long) ChildJvm.number(run, what + ".epoch2")) + " -> "
        + Rss.mib((long) ChildJvm.number(run, what + ".epoch" + longEpochs));
  }

  private void headRows(MarkdownTable t, GraftRuns.HeadOnly head, double backbone, String mark, String limit) {
    String name = head.head() + " head";
    double r2 = head.firstEpochExPerSec() / backbone;
    t.row("2" + mark, "head-only epoch 1 with feature caching, " + name,
        fmt("%s (%.2f s)", exs(head.firstEpochExPerSec()), head.firstEpochSeconds()), fmt("%.2f of %s", r2, limit),
        ">= 0.90", met(r2 >= 0.9));
    double ceiling = head.backboneFlops() / (head.backboneFlops() + head.cachedStepFlops());
    t.row("2" + mark, "... ceiling at equal FLOP/s: backbone pass / (backbone pass + head step), counted from the graph",
        fmt("%.2f / (%.2f + %.2f) MFLOP/example", head.backboneFlops() / 1e6, head.backboneFlops() / 1e6,
            head.cachedStepFlops() / 1e6), fmt("%.3f of %s", ceiling, limit), "", "");
    double cachePass = head.firstEpochSeconds() - head.cachedEpochSeconds();
    t.row("2" + mark, "... epoch 1 less one cached epoch: the caching pass alone",
        fmt("%s (%.2f s)", exs(head.examples() / cachePass), cachePass),
        fmt("%.2f of %s", head.examples() / cachePass / backbone, limit), "", "");
    double r3 = head.cachedEpochSeconds() / head.firstEpochSeconds();
    t.row("3" + mark, fmt("head-only later epochs on the cache, %s (mean)", name),
        fmt("%.3f s/epoch (%s)", head.cachedEpochSeconds(), exs(head.cachedExPerSec())), fmt("%.3f of epoch 1", r3),
        "<= 0.05", met(r3 <= 0.05));
    t.row("3" + mark, "... the same step in the bare loop over the cached features (TensorFlow alone)",
        fmt("%.3f s/epoch", head.bareCachedEpochSeconds()),
        fmt("%.3f of epoch 1", head.bareCachedEpochSeconds() / head.firstEpochSeconds()), "", "");
    t.row("3" + mark, "... floor at equal FLOP/s: head step / (backbone pass + head step), counted from the graph",
        fmt("%.2f / (%.2f + %.2f) MFLOP/example", head.cachedStepFlops() / 1e6, head.backboneFlops() / 1e6,
            head.cachedStepFlops() / 1e6), fmt("%.3f of epoch 1", head.cachedShareFloor()), "", "");
  }

  void sweepTable(List<GraftRuns.SettingResult> results, ThreadSetting chosen) {
    out.println("Thread settings (TensorFlow intra-op / inter-op), each measured in full in its own JVM in this run; "
        + "'score' is the geometric mean of Graft's head-only epoch 1, cached epoch and fine-tuning examples/s:");
    out.println();
    List<GraftRuns.SettingResult> ranked = GraftBenchmark.byScore(results);
    MarkdownTable t = new MarkdownTable("intra / inter", "(1) backbone", "(2) head ep. 1", "(3) cached epoch",
        "(4) last:2 / bare", "(4) all / bare", "(5) all", "MatMul", "score");
    for (GraftRuns.SettingResult r : results) {
      String name = r.threads().toString() + (r.threads().equals(chosen) ? " (main)" : "")
          + (r == ranked.get(0) ? " (best)" : "");
      t.row(name, exs(r.backboneExPerSec()), exs(r.head().firstEpochExPerSec()),
          fmt("%.3f s", r.head().cachedEpochSeconds()), pair(r, "last:2"), pair(r, "all"), allFlops(r),
          gflops(r.matMulFlops()), fmt("%.0f", r.score()));
    }
    out.println(t);
  }

  private static String pair(GraftRuns.SettingResult r, String policy) {
    for (GraftRuns.FineTune f : r.fineTunes()) {
      if (f.policy().equals(policy)) {
        return fmt("%.0f / %.0f ex/s (%.2f)", f.graftExPerSec(), f.bareExPerSec(), f.ratio());
      }
    }
    return "-";
  }

  private static String allFlops(GraftRuns.SettingResult r) {
    for (GraftRuns.FineTune f : r.fineTunes()) {
      if (f.policy().equals("all")) {
        return gflops(f.flops().stepPerExample() * f.graftExPerSec());
      }
    }
    return "-";
  }

  /** One Graft-vs-DL4J row; {@code higherIsBetter} false for times. */
  record Comparison(String what, double graft, double dl4j, boolean higherIsBetter, String unit) {
    boolean graftAhead() {
      return higherIsBetter ? graft > dl4j : graft < dl4j;
    }

    double advantage() {
      return higherIsBetter ? graft / dl4j : dl4j / graft;
    }
  }

  List<Comparison> comparisons() {
    GraftRuns.HeadOnly head = main.head();
    List<Comparison> rows = new java.util.ArrayList<>();
    rows.add(new Comparison("head-only epoch 1 (Graft: cache; DL4J: TransferLearningHelper.featurize + fitFeaturized)",
        head.firstEpochExPerSec(), ChildJvm.number(dl4j, "head.first_ex_s"), true, "ex/s"));
    rows.add(new Comparison("head-only later epochs on the cached features", head.cachedEpochSeconds(),
        ChildJvm.number(dl4j, "head.cached_s"), false, "s/epoch"));
    for (GraftRuns.FineTune f : main.fineTunes()) {
      String key = "ft." + f.policy() + ".ex_s";
      if (dl4j.containsKey(key)) {
        rows.add(new Comparison(f.policy() + " fine-tune" + (f.policy().equals("all") ? "" : " (DL4J: frozen layers)"),
            f.graftExPerSec(), ChildJvm.number(dl4j, key), true, "ex/s"));
      }
    }
    return rows;
  }

  void prefetchTable(List<PrefetchRuns.Result> results, int rounds) {
    out.printf("Batches prepared ahead on another thread (--prefetch %d, the default) against none (--prefetch 0): "
        + "last:2 fine-tuning, Dense(64)+Dense(5) head, threads %s, examples/s of epochs 2-3, means of %d rounds in "
        + "alternating order:%n%n", PrefetchRuns.DEPTH, main.threads(), rounds);
    MarkdownTable t = new MarkdownTable("data", "examples", "prefetch 0", "prefetch " + PrefetchRuns.DEPTH, "gain");
    for (PrefetchRuns.Result r : results) {
      t.row(r.source(), String.valueOf(r.examples()), exs(r.withoutExPerSec()), exs(r.withExPerSec()),
          fmt("%+.0f%%", 100 * (r.gain() - 1)));
    }
    out.println(t);
  }

  void dl4jTable() {
    out.printf("Graft vs Deeplearning4j (%s, OpenMP threads %s), both starting from fashion_cnn's trained "
        + "convolution and batch-norm values, DL4J in its own JVM:%n%n", System.getProperty("graft.bench.dl4j",
        "?"), dl4j.get("threads"));
    MarkdownTable t = new MarkdownTable("row", "Graft", "DL4J", "Graft's advantage", "Graft ahead");
    for (Comparison c : comparisons()) {
      String g = c.unit().equals("ex/s") ? exs(c.graft()) : fmt("%.3f s", c.graft());
      String d = c.unit().equals("ex/s") ? exs(c.dl4j()) : fmt("%.3f s", c.dl4j());
      t.row(c.what(), g, d, fmt("%.1fx", c.advantage()), met(c.graftAhead()));
    }
    t.row("test accuracy after head-only training (sanity check, not timed)",
        fmt("%.4f", main.head().testAccuracy()), fmt("%.4f", ChildJvm.number(dl4j, "head.test_acc")), "", "");
    t.row("peak RSS of the process (information: Graft = the long run's JVM)",
        Rss.mib((long) ChildJvm.number(longRun, "rss.peak")), Rss.mib((long) ChildJvm.number(dl4j, "rss.peak")), "",
        "");
    out.println(t);
  }

  void notes() {
    for (GraftRuns.FineTune f : main.fineTunes()) {
      out.printf("FLOPs per example of a %s step (graph op shapes, batch %d): forward %.2f M, whole step %.2f M, "
          + "by op %s%n", f.policy(), GraftRuns.BATCH, f.flops().forwardPerExample() / 1e6,
          f.flops().stepPerExample() / 1e6, millions(f.flops().byType()));
    }
    out.printf("TensorFlow step stats of the %s step (threads %s, 20 traced steps): %.2f ms wall, %.2f ms in ops; "
        + "%s%n", main.head().head() + " head on cached features", main.threads(), main.head().profile().wallMsPerStep(),
        main.head().profile().opMsPerStep(), main.head().profile().top(5));
    for (GraftRuns.FineTune f : main.fineTunes()) {
      out.printf("TensorFlow step stats of the %s step (threads %s, 20 traced steps): %.2f ms wall, %.2f ms in ops; "
          + "%s%n", f.policy(), main.threads(), f.profile().wallMsPerStep(), f.profile().opMsPerStep(),
          f.profile().top(6));
    }
    out.printf("Long run: %s training examples, validation accuracy %.4f; VmRSS by epoch %s; fixed heap %s; fixed "
        + "heap and MALLOC_ARENA_MAX=2 %s%n", longRun.get("examples"), ChildJvm.number(longRun, "val_acc"),
        rssByEpoch(longRun), rssByEpoch(longRunFixedHeap), rssByEpoch(longRunArenas));
  }

  private String rssByEpoch(Map<String, String> run) {
    StringBuilder s = new StringBuilder();
    for (int e = 1; e <= longEpochs; e++) {
      s.append(e == 1 ? "" : ", ").append(Math.round(ChildJvm.number(run, "rss.epoch" + e) / 1048576.0));
    }
    return s.append(" MiB").toString();
  }

  private static String millions(Map<String, Double> byType) {
    StringBuilder s = new StringBuilder();
    byType.forEach((k, v) -> s.append(s.length() == 0 ? "" : ", ").append(k).append(' ')
        .append(String.format(Locale.ROOT, "%.2f M", v / 1e6)));
    return s.toString();
  }

  static String exs(double v) {
    return String.format(Locale.ROOT, "%,.0f ex/s", v);
  }

  static String gflops(double v) {
    return String.format(Locale.ROOT, "%.1f GFLOP/s", v / 1e9);
  }

  static String met(boolean ok) {
    return ok ? "yes" : "**no**";
  }

  static String fmt(String format, Object... args) {
    return String.format(Locale.ROOT, format, args);
  }
}
