package dev.graft.bench;

import dev.graft.head.CutChoice;
import dev.graft.Graft;
import dev.graft.GraftModel;
import dev.graft.data.LabeledData;
import dev.graft.data.transform.Preprocessing;
import dev.graft.feature.Featurizer;
import dev.graft.head.HeadSpec;
import dev.graft.train.EpochMetrics;
import dev.graft.train.FreezePolicy;
import dev.graft.train.Metrics;
import dev.graft.train.OptimizerSpec;
import dev.graft.train.TrainConfig;
import dev.graft.train.TrainResult;
import dev.graft.train.TrainingListener;
import java.lang.management.ManagementFactory;
import java.lang.management.MemoryPoolMXBean;
import java.lang.management.MemoryType;
import java.nio.file.Path;
import java.util.List;
import java.util.Locale;
import java.util.stream.Collectors;

/**
 * Graft's side of the comparison with Python Keras on one real backbone, in a fresh JVM (its peak RSS is the whole
 * job's, and TensorFlow's thread pools are its own). Reports through {@code RESULT key=value} lines with the keys
 * {@code keras_peer.py} uses:
 *
 * <ul>
 *   <li>head-only training with the feature cache ({@code train()} with {@code FreezePolicy.head()}), timed from the
 *       call to its end; the inference row is its feature pass (epoch 1 less a cached epoch: the cache is filled in
 *       epoch 1, JPEG files decoded inside it); then accuracy on the validation images;
 *   <li>{@code last:N} and {@code all} fine-tuning: examples/s of the epochs after the first, and the FLOPs of one step
 *       counted from the graph;
 *   <li>one 2048x2048 MatMul's FLOP/s, and the process's peak RSS (VmHWM) at the end.
 * </ul>
 *
 * <p>Arguments: fixtures folder, data root (with {@code train/} and {@code val/}), thread setting {@code INTRA,INTER},
 * head-only epochs, batch size, then {@link Backbone#runArgs()}.
 */
public final class BackboneRun {

  /**
   * Adam's learning rate of head-only training: 10 epochs at 0.001 leave the head of the pretrained MobileNet short of
   * converged, and its validation accuracy then depends on the initial weights (0.92 to 0.96 over Keras seeds, as
   * measured for the README); at 0.01 both sides converge. Fine-tuning keeps {@link GraftRuns#LEARNING_RATE}.
   */
  static final float HEAD_LEARNING_RATE = 1e-2f;
  /** Feature passes after the first, on both sides, for the warm inference row. */
  static final int WARM_PASSES = 2;

  private BackboneRun() {}

  public static void main(String[] args) {
    Path fixtures = Path.of(args[0]);
    Path data = Path.of(args[1]);
    ThreadSetting threads = ThreadSetting.parse(args[2]);
    int epochs = Integer.parseInt(args[3]);
    int batch = Integer.parseInt(args[4]);
    Backbone backbone = Backbone.fromArgs(args, 5);
    new BackboneRun().run(fixtures.resolve(backbone.name()), data, threads, epochs, batch, backbone);
  }

  private void run(Path modelDir, Path data, ThreadSetting threads, int epochs, int batch, Backbone backbone) {
    XrayImages trainImages = XrayImages.list(data.resolve("train"));
    XrayImages valImages = XrayImages.list(data.resolve("val"));
    int[] trainIdx = trainImages.subsetIndices(backbone.images());
    int[] valIdx = valImages.subsetIndices(backbone.valImages());
    int[] tuneIdx = trainImages.subsetIndices(backbone.fineTuneImages());
    ChildJvm.result("train.images", String.valueOf(trainIdx.length));
    ChildJvm.result("train.fingerprint", trainImages.fingerprint(trainIdx));
    ChildJvm.result("val.images", String.valueOf(valIdx.length));
    ChildJvm.result("val.fingerprint", valImages.fingerprint(valIdx));
    ChildJvm.result("finetune.images", String.valueOf(tuneIdx.length));
    ChildJvm.result("finetune.fingerprint", trainImages.fingerprint(tuneIdx));
    LabeledData train = trainImages.open(trainIdx);
    LabeledData val = valImages.open(valIdx);
    LabeledData tune = trainImages.open(tuneIdx);

    progress(backbone.name() + ": head-only train(), " + epochs + " epochs on " + train.size() + " images");
    long loadStart = System.nanoTime();
    try (GraftModel model = load(modelDir, threads, backbone)) {
      ChildJvm.result("load.seconds", String.valueOf((System.nanoTime() - loadStart) / 1e9));
      ChildJvm.result("features", String.valueOf(model.cut().featureSize()));
      model.replaceHead(HeadSpec.builder().setNumClasses(train.classNames().size()).build());
      // CPU seconds at the end of epochs 1 and 2: the feature pass is epoch 1 less a cached epoch, in CPU as in time
      double[] cpuEpochEnd = new double[2];
      TrainingListener cachePassEnd = new TrainingListener() {
        @Override
        public void onEpochEnd(EpochMetrics metrics) {
          if (metrics.epoch() <= 2) {
            cpuEpochEnd[metrics.epoch() - 1] = Machine.processCpuSeconds();
          }
        }
      };
      double cpuStart = Machine.processCpuSeconds();
      long start = System.nanoTime();
      TrainResult result = model.train(train, null, config(epochs, batch, FreezePolicy.head(), HEAD_LEARNING_RATE)
          .addListener(cachePassEnd).build());
      double seconds = (System.nanoTime() - start) / 1e9;
      ChildJvm.result("head.cpu_seconds", String.valueOf(Machine.processCpuSeconds() - cpuStart));
      double cachedEpochCpu = cpuEpochEnd[1] - cpuEpochEnd[0];
      ChildJvm.result("infer.cpu_seconds", String.valueOf(cpuEpochEnd[0] - cpuStart - cachedEpochCpu));
      if (!result.featureCacheUsed()) {
        throw new IllegalStateException("Head-only training did not cache features; the benchmark expects it to");
      }
      List<EpochMetrics> h = result.history();
      double first = h.get(0).seconds();
      double cached = h.subList(1, h.size()).stream().mapToDouble(EpochMetrics::seconds).average().orElseThrow();
      ChildJvm.result("head.seconds", String.valueOf(seconds));
      ChildJvm.result("head.epoch_seconds", h.stream().map(m -> String.format(Locale.ROOT, "%.3f", m.seconds()))
          .collect(Collectors.joining(";")));
      ChildJvm.result("head.cached_share", String.valueOf(cached / first));
      ChildJvm.result("infer.seconds", String.valueOf(first - cached));
      ChildJvm.result("infer.ex_s", String.valueOf(train.size() / (first - cached)));
      progress(backbone.name() + ": accuracy on " + val.size() + " validation images");
      long valStart = System.nanoTime();
      Metrics metrics = model.evaluate(val, 1);
      ChildJvm.result("head.val_seconds", String.valueOf((System.nanoTime() - valStart) / 1e9));
      ChildJvm.result("head.val_acc", String.valueOf(metrics.accuracy()));
      ChildJvm.result("head.val_balanced_acc", String.valueOf(balancedAccuracy(metrics)));
      warmInference(model, train, backbone);
    }
    ChildJvm.result("rss.peak_head", String.valueOf(Rss.peak()));
    fineTune(modelDir, threads, batch, backbone, tune, "last", FreezePolicy.last(backbone.lastLayers()));
    ChildJvm.result("rss.peak_last", String.valueOf(Rss.peak()));
    fineTune(modelDir, threads, batch, backbone, tune, "all", FreezePolicy.all());
    ChildJvm.result("rss.peak_all", String.valueOf(Rss.peak()));
    ChildJvm.result("heap.committed", String.valueOf(ManagementFactory.getMemoryMXBean().getHeapMemoryUsage()
        .getCommitted()));
    long heapPeak = 0;
    for (MemoryPoolMXBean pool : ManagementFactory.getMemoryPoolMXBeans()) {
      if (pool.getType() == MemoryType.HEAP) {
        heapPeak += pool.getPeakUsage().getUsed();
      }
    }
    ChildJvm.result("heap.peak_used", String.valueOf(heapPeak));
    // the job's peak, before the MatMul reference (its matrices are no part of the job Keras's peak is compared with)
    ChildJvm.result("rss.peak", String.valueOf(Rss.peak()));
    progress(backbone.name() + ": MatMul 2048x2048");
    ChildJvm.result("matmul.flops", String.valueOf(MatMulPeak.flopsPerSecond(threads, 2048, 5)));
  }

  /**
   * The feature pass again, {@link #WARM_PASSES} times over the same images once the JIT and TensorFlow's first run
   * have paid their one-time costs: the steady throughput beside the first pass's (Keras's side predicts again).
   */
  private static void warmInference(GraftModel model, LabeledData train, Backbone backbone) {
    progress(backbone.name() + ": the feature pass again, " + WARM_PASSES + " times");
    Featurizer featurizer = model.featurizer();
    double cpuStart = Machine.processCpuSeconds();
    long start = System.nanoTime();
    for (int pass = 0; pass < WARM_PASSES; pass++) {
      featurizer.pass(train, false, (batch, features) -> { });
    }
    double seconds = (System.nanoTime() - start) / 1e9 / WARM_PASSES;
    ChildJvm.result("infer.warm.cpu_seconds", String.valueOf((Machine.processCpuSeconds() - cpuStart) / WARM_PASSES));
    ChildJvm.result("infer.warm.ex_s", String.valueOf(train.size() / seconds));
  }

  private void fineTune(Path modelDir, ThreadSetting threads, int batch, Backbone backbone, LabeledData tune,
      String key, FreezePolicy policy) {
    progress(backbone.name() + ": fine-tune " + policy + ", " + backbone.fineTuneEpochs() + " epochs on "
        + tune.size() + " images");
    try (GraftModel model = load(modelDir, threads, backbone)) {
      model.replaceHead(HeadSpec.builder().setNumClasses(tune.classNames().size()).build());
      List<String> layers = model.backboneLayers();
      List<String> trained = policy.kind() == FreezePolicy.Kind.ALL ? layers
          : layers.subList(Math.max(0, layers.size() - policy.layers()), layers.size());
      ChildJvm.result("ft." + key + ".layers", String.join(";", trained));
      double[] cpu = new double[2];
      TrainingListener timedEpochs = new TrainingListener() {
        @Override
        public void onEpochStart(int epoch) {
          if (epoch == 2) {
            cpu[0] = Machine.processCpuSeconds();
          }
        }

        @Override
        public void onEpochEnd(EpochMetrics metrics) {
          cpu[1] = Machine.processCpuSeconds();
        }
      };
      TrainResult result = model.train(tune, null, config(backbone.fineTuneEpochs(), batch, policy,
          GraftRuns.LEARNING_RATE).addListener(timedEpochs).build());
      ChildJvm.result("ft." + key + ".cpu_seconds", String.valueOf(cpu[1] - cpu[0]));
      List<EpochMetrics> timed = result.history().subList(1, result.history().size());
      double seconds = timed.stream().mapToDouble(EpochMetrics::seconds).average().orElseThrow();
      ChildJvm.result("ft." + key + ".epoch_seconds", result.history().stream()
          .map(m -> String.format(Locale.ROOT, "%.3f", m.seconds())).collect(Collectors.joining(";")));
      ChildJvm.result("ft." + key + ".ex_s", String.valueOf(tune.size() / seconds));
      BareLoop step = new BareLoop(model, model.model().input().tensor());
      StepFlops flops = StepFlops.count(model.model().graph(), step.roots(), BareLoop.SCOPE + "/gradients", batch);
      ChildJvm.result("ft." + key + ".flops_per_example", String.valueOf(flops.stepPerExample()));
      ChildJvm.result("ft." + key + ".forward_flops_per_example", String.valueOf(flops.forwardPerExample()));
      ChildJvm.result("ft." + key + ".flops_by_op", flops.byType().entrySet().stream()
          .map(e -> String.format(Locale.ROOT, "%s %.3f G", e.getKey(), e.getValue() / 1e9))
          .collect(Collectors.joining(", ")));
    }
  }

  static GraftModel load(Path modelDir, ThreadSetting threads, Backbone backbone) {
    GraftModel model = Graft.load(modelDir, threads.loadOptions(), CutChoice.layer(backbone.graftCut()));
    model.withPreprocessing(Preprocessing.parse(backbone.preprocess()));
    return model;
  }

  /** Every training setting given explicitly, so that a later change of Graft's defaults leaves the figures alone. */
  static TrainConfig.Builder config(int epochs, int batch, FreezePolicy policy, float learningRate) {
    return TrainConfig.builder().setEpochs(epochs).optBatchSize(batch).optLearningRate(learningRate)
        .optOptimizer(OptimizerSpec.adam()).optSeed(GraftRuns.SEED).optFreeze(policy).optBackboneLrMult(1f)
        .optPatience(0).optFeatureCache(true).optBatchNormTraining(false);
  }

  /** Mean of the per-class recalls (the data set is imbalanced, about 1:3). */
  static double balancedAccuracy(Metrics metrics) {
    int classes = metrics.confusion().length;
    return java.util.stream.IntStream.range(0, classes).mapToDouble(metrics::recall).filter(r -> !Double.isNaN(r))
        .average().orElse(Double.NaN);
  }

  private static void progress(String what) {
    System.err.println("          graft: " + what);
  }
}
