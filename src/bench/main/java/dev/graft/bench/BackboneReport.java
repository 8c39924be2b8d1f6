package dev.graft.bench;

import static dev.graft.bench.Report.fmt;
import static dev.graft.bench.Report.gflops;
import static dev.graft.bench.Report.met;

import java.io.PrintStream;
import java.util.List;
import java.util.Map;

/** Prints the comparison with Python Keras on real backbones (Markdown), from one run's measurements. */
final class BackboneReport {

  private final PrintStream out;
  private final List<BackboneComparison.Measured> measured;
  private final BackboneComparison.Settings settings;

  BackboneReport(PrintStream out, List<BackboneComparison.Measured> measured, BackboneComparison.Settings settings) {
    this.out = out;
    this.measured = measured;
    this.settings = settings;
  }

  /** The header lines of the comparison: versions, each side's threads and data pipeline, the peer's own command. */
  void header(String rerun) {
    Map<String, String> k = measured.get(0).keras();
    String threads = settings.threads().toString();
    out.printf("keras     Python %s, TensorFlow %s, Keras %s (jit_compile %s, Keras's choice on a machine without a "
        + "GPU), one Python process per model; Graft: one JVM per model%n", k.get("python"), k.get("tensorflow"),
        k.get("keras"), k.get("jit_compile"));
    out.printf("threads   both sides: TensorFlow intra-op / inter-op %s (Graft --threads %s; Keras "
        + "tf.config.threading, which reports %s); JPEG decoding outside those pools on both sides (below)%n",
        threads, settings.threads().arg(), k.get("threads").replace(",", " / "));
    out.printf("onednn    both sides: %s (Keras's TensorFlow reports oneDNN %s)%n", settings.oneDnn()
        ? BackboneComparison.ONEDNN + "=1 in each process's environment (--onednn)"
        : "TensorFlow's own choice (" + BackboneComparison.ONEDNN + " unset: --no-onednn)",
        switch (String.valueOf(k.get("onednn"))) {
          case "True" -> "on";
          case "False" -> "off";
          default -> "unknown";
        });
    out.printf("pipeline  Keras: %s; predict batch %d, fit batch %d%n", k.get("pipeline"), KerasPeer.INFER_BATCH,
        settings.batch());
    out.printf("pipeline  Graft: ImageFolderData (files read in Java, decoded by TensorFlow's DecodeJpeg, scaled in "
        + "Java) through BatchStream, batches prepared on one background thread (prefetch 2); feature pass in batches "
        + "of %d, training batch %d%n", KerasPeer.INFER_BATCH, settings.batch());
    out.printf("backbones %s train/ and val/ (JPEG, 224x224, NORMAL and PNEUMONIA); each row's images are evenly "
        + "spread over the sorted file list (same files on both sides, checked by fingerprint); new head Dense(2, "
        + "softmax); Adam (epsilon 1e-7), batch %d, seed %d, batch norm in inference mode; head-only %d epochs at lr "
        + "%s, fine-tuning at lr %s, 1 warm-up epoch then the timed ones%n", settings.data(), settings.batch(),
        GraftRuns.SEED, settings.epochs(), BackboneRun.HEAD_LEARNING_RATE, GraftRuns.LEARNING_RATE);
    out.printf("rerun     the Keras peer alone: %s%n", rerun);
  }

  void table() {
    out.println("Graft vs Python Keras on real backbones, each side in its own process, one after the other, in this "
        + "run:");
    out.println();
    MarkdownTable t = new MarkdownTable("model", "row", "images", "Graft", "Keras", "Graft vs Keras",
        "CPU time, Graft / Keras", "target", "met");
    for (BackboneComparison.Measured m : measured) {
      rows(t, m);
    }
    out.println(t);
  }

  private void rows(MarkdownTable t, BackboneComparison.Measured m) {
    Map<String, String> g = m.graft();
    Map<String, String> k = m.keras();
    String name = m.model().name();
    double gi = num(g, "infer.ex_s");
    double ki = num(k, "infer.ex_s");
    t.row(name, "backbone inference (Graft: feature pass of head-only epoch 1; Keras: predict)", g.get("train.images"),
        ips(gi), ips(ki), fmt("%.2fx", gi / ki), perImage(g, k, "infer", num(g, "train.images")), ">= 1.0x",
        met(gi >= ki));
    double gw = num(g, "infer.warm.ex_s");
    double kw = num(k, "infer.warm.ex_s");
    t.row(name, fmt("... again, warm: the mean of %d more passes over the same images (Keras: predict again)",
        BackboneRun.WARM_PASSES), g.get("train.images"), ips(gw), ips(kw), fmt("%.2fx", gw / kw),
        perImage(g, k, "infer.warm", num(g, "train.images")), "", "");
    double gh = num(g, "head.seconds");
    double kh = num(k, "head.seconds");
    t.row(name, fmt("head-only training, %d epochs, wall time (Graft: cached features; Keras: base frozen)",
        settings.epochs()), g.get("train.images"), fmt("%.1f s", gh), fmt("%.1f s", kh), fmt("%.1fx faster", kh / gh),
        fmt("%.1f / %.1f s", num(g, "head.cpu_seconds"), num(k, "head.cpu_seconds")), ">= 5x", met(kh / gh >= 5));
    double ga = num(g, "head.val_acc");
    double ka = num(k, "head.val_acc");
    t.row(name, "... validation accuracy after it (balanced accuracy)", g.get("val.images"),
        fmt("%.4f (%.4f)", ga, num(g, "head.val_balanced_acc")),
        fmt("%.4f (%.4f)", ka, num(k, "head.val_balanced_acc")),
        fmt("%+.1f points", 100 * (ga - ka)), "", "within 1 point", met(Math.abs(ga - ka) <= 0.01 + 1e-9));
    for (String policy : List.of("last", "all")) {
      double gf = num(g, "ft." + policy + ".ex_s");
      double kf = num(k, "ft." + policy + ".ex_s");
      String label = policy.equals("last") ? "last:" + m.model().lastLayers() : "all";
      t.row(name, "fine-tune " + label + " (images/s of the epochs after the first)", g.get("finetune.images"),
          ips(gf), ips(kf), fmt("%.2fx", gf / kf), perImage(g, k, "ft." + policy,
              num(g, "finetune.images") * (m.model().fineTuneEpochs() - 1)), ">= 1.0x", met(gf >= kf));
    }
    long gr = (long) num(g, "rss.peak");
    long kr = (long) num(k, "rss.peak");
    t.row(name, "peak RSS of the whole job (VmHWM)", "", Rss.mib(gr), Rss.mib(kr), fmt("%.2fx", (double) gr / kr),
        "", "Graft <= Keras", met(gr <= kr));
    double flops = num(g, "ft.all.flops_per_example");
    double matMul = num(g, "matmul.flops");
    double gAchieved = flops * num(g, "ft.all.ex_s");
    double kAchieved = flops * num(k, "ft.all.ex_s");
    t.row(name, fmt("achieved FLOP/s of an all fine-tune step (%.2f GFLOP/image) / 2048x2048 MatMul (%s)",
        flops / 1e9, gflops(matMul)), "", fmt("%s (%.2f)", gflops(gAchieved), gAchieved / matMul),
        fmt("%s (%.2f)", gflops(kAchieved), kAchieved / matMul), "", "", ">= 0.5", met(gAchieved / matMul >= 0.5));
    double share = num(g, "head.cached_share");
    t.row(name, "head-only: a later (cached) epoch / epoch 1", g.get("train.images"), fmt("%.4f", share), "", "", "",
        "<= 0.05", met(share <= 0.05));
  }

  /** The per-epoch seconds and the other figures behind the table, a few lines per model. */
  void notes() {
    for (BackboneComparison.Measured m : measured) {
      Map<String, String> g = m.graft();
      Map<String, String> k = m.keras();
      int last = m.model().lastLayers();
      out.printf("%s (%s ran first); Graft's model load (parse, flatten, restore) %.1f s%n", m.model().name(),
          m.graftFirst() ? "Graft" : "Keras", num(g, "load.seconds"));
      out.printf("  epoch seconds: head-only Graft %s, Keras %s; last:%d Graft %s, Keras %s; all Graft %s, Keras %s%n",
          g.get("head.epoch_seconds"), k.get("head.epoch_seconds"), last, g.get("ft.last.epoch_seconds"),
          k.get("ft.last.epoch_seconds"), g.get("ft.all.epoch_seconds"), k.get("ft.all.epoch_seconds"));
      out.printf("  validation pass (not timed in the table): Graft %.1f s, Keras %.1f s%n", num(g, "head.val_seconds"),
          num(k, "head.val_seconds"));
      out.printf("  FLOPs per image of a step (graph op shapes): last:%d %.3f G, all %.3f G (%s), forward %.3f G%n",
          last, num(g, "ft.last.flops_per_example") / 1e9, num(g, "ft.all.flops_per_example") / 1e9,
          g.get("ft.all.flops_by_op"), num(g, "ft.all.forward_flops_per_example") / 1e9);
      out.printf("  peak RSS after head-only / last:%d / all: Graft %s / %s / %s, Keras %s / %s / %s; Graft's Java "
          + "heap %s committed at the end, its pools' peaks adding up to %s%n", last, mib(g, "rss.peak_head"),
          mib(g, "rss.peak_last"), mib(g, "rss.peak_all"), mib(k, "rss.peak_head"), mib(k, "rss.peak_last"),
          mib(k, "rss.peak_all"), mib(g, "heap.committed"), mib(g, "heap.peak_used"));
    }
  }

  /** CPU milliseconds per image of a row on both sides: less moved by other work on the machine than wall time. */
  private static String perImage(Map<String, String> g, Map<String, String> k, String row, double images) {
    return fmt("%.1f / %.1f ms per image", 1000 * num(g, row + ".cpu_seconds") / images,
        1000 * num(k, row + ".cpu_seconds") / images);
  }

  private static String mib(Map<String, String> results, String key) {
    return Rss.mib((long) num(results, key));
  }

  private static double num(Map<String, String> results, String key) {
    return ChildJvm.number(results, key);
  }

  private static String ips(double v) {
    return fmt("%,.1f images/s", v);
  }
}
