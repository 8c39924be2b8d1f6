package dev.graft.bench;

import dev.graft.head.CutChoice;
import dev.graft.Graft;
import dev.graft.GraftModel;
import dev.graft.data.LabeledData;
import dev.graft.data.view.LabeledDatas;
import dev.graft.head.HeadSpec;
import dev.graft.train.EpochMetrics;
import dev.graft.train.FreezePolicy;
import dev.graft.train.TrainConfig;
import dev.graft.train.TrainResult;
import dev.graft.train.TrainingListener;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import org.tensorflow.Result;
import org.tensorflow.Session;
import org.tensorflow.types.TFloat32;

/** Graft's training paths on one thread setting: the backbone's limit, head-only with the cache, fine-tuning. */
final class GraftRuns {

  /** Where the benchmark cuts the model: the convolutional features, as the default retrain job does. */
  static final String CUT_LAYER = "flatten";
  /** The feature cache's batch size ({@code Trainer.EVAL_BATCH}). */
  static final int CACHE_BATCH = 256;
  static final int BATCH = 64;
  static final float LEARNING_RATE = 1e-3f;
  static final long SEED = 42;
  /** Untimed steps before the first bare pass (its first run builds the executor). */
  static final int BARE_WARMUP = 5;

  /** The head: Dense(64, relu) + Dense(5, softmax) on the 1568 flatten features, fashion_cnn's own head layout. */
  static HeadSpec headSpec() {
    return HeadSpec.builder().setNumClasses(5).optHidden(64).build();
  }

  /** The retrain job's default head: Dense(5, softmax) on the 1568 flatten features. */
  static HeadSpec linearHeadSpec() {
    return HeadSpec.builder().setNumClasses(5).build();
  }

  /** (1) The backbone's pass over every training example, with the features it produced. */
  record Backbone(double examplesPerSecond, float[] features, long featureSize, int[] labels) {}

  /**
   * (1) as reported: the mean of a pass in a fresh session before the head-only run and one in the head-only run's
   * session right after it, so that both bracket the run they bound.
   */
  record BackboneLimit(double before, double after) {
    double examplesPerSecond() {
      return (before + after) / 2;
    }

    static BackboneLimit mean(List<BackboneLimit> all) {
      return new BackboneLimit(avg(all, BackboneLimit::before), avg(all, BackboneLimit::after));
    }
  }

  /**
   * Head-only training with the feature cache.
   *
   * @param bareCachedEpochSeconds one pass of the bare loop over the cached features (TensorFlow's share of a
   *     cached epoch)
   * @param backboneFlops FLOPs per example of the backbone's forward pass to the features
   * @param cachedStepFlops FLOPs per example of the head's training step on cached features
   */
  record HeadOnly(String head, int examples, int epochs, double firstEpochExPerSec, double firstEpochSeconds,
      double cachedEpochSeconds, double cachedExPerSec, double bareCachedEpochSeconds, double testAccuracy,
      StepProfile profile, double backboneAfterExPerSec, double backboneFlops, double cachedStepFlops) {

    /**
     * The least share of epoch 1 that a cached epoch can take when both run at the same FLOP/s: a cached epoch does
     * the head's step, epoch 1 the backbone's pass as well.
     */
    double cachedShareFloor() {
      return cachedStepFlops / (backboneFlops + cachedStepFlops);
    }

    /** Means of the figures of runs of the same head (epochs add up; profile and accuracy of the first run). */
    static HeadOnly mean(List<HeadOnly> all) {
      HeadOnly first = all.get(0);
      return new HeadOnly(first.head(), first.examples(), all.stream().mapToInt(HeadOnly::epochs).sum(),
          avg(all, HeadOnly::firstEpochExPerSec), avg(all, HeadOnly::firstEpochSeconds),
          avg(all, HeadOnly::cachedEpochSeconds), avg(all, HeadOnly::cachedExPerSec),
          avg(all, HeadOnly::bareCachedEpochSeconds), first.testAccuracy(), first.profile(),
          avg(all, HeadOnly::backboneAfterExPerSec), first.backboneFlops(), first.cachedStepFlops());
    }
  }

  /**
   * A fine-tuning policy through Graft and through the bare loop: medians of the interleaved rounds, and the median
   * of each round's ratio (Graft's epoch over the bare pass just before it, which saw the same machine state).
   */
  record FineTune(String policy, int examples, int rounds, double graftExPerSec, double bareExPerSec, double ratio,
      StepFlops flops, StepProfile profile) {

    /** Means of runs of the same policy (rounds add up; FLOPs and profile of the first run). */
    static FineTune mean(List<FineTune> all) {
      FineTune first = all.get(0);
      return new FineTune(first.policy(), first.examples(), all.stream().mapToInt(FineTune::rounds).sum(),
          avg(all, FineTune::graftExPerSec), avg(all, FineTune::bareExPerSec), avg(all, FineTune::ratio),
          first.flops(), first.profile());
    }
  }

  /** Everything measured on one thread setting. */
  record SettingResult(ThreadSetting threads, BackboneLimit backbone, HeadOnly head, List<FineTune> fineTunes,
      double matMulFlops) {
    double backboneExPerSec() {
      return backbone.examplesPerSecond();
    }

    FineTune fineTune(String policy) {
      return fineTunes.stream().filter(f -> f.policy().equals(policy)).findFirst().orElseThrow();
    }

    /** The means of runs of one setting, made in separate sweep rounds. */
    static SettingResult mean(List<SettingResult> all) {
      List<FineTune> fineTunes = new ArrayList<>();
      for (int i = 0; i < all.get(0).fineTunes().size(); i++) {
        int index = i;
        fineTunes.add(FineTune.mean(all.stream().map(r -> r.fineTunes().get(index)).toList()));
      }
      return new SettingResult(all.get(0).threads(), BackboneLimit.mean(all.stream().map(SettingResult::backbone)
          .toList()), HeadOnly.mean(all.stream().map(SettingResult::head).toList()), fineTunes,
          avg(all, SettingResult::matMulFlops));
    }

    /** Geometric mean of Graft's throughputs: head-only first epoch, cached epoch, each fine-tuning policy. */
    double score() {
      double log = Math.log(head.firstEpochExPerSec()) + Math.log(head.cachedExPerSec());
      for (FineTune f : fineTunes) {
        log += Math.log(f.graftExPerSec());
      }
      return Math.exp(log / (2 + fineTunes.size()));
    }
  }

  private static <T> double avg(List<T> all, java.util.function.ToDoubleFunction<T> figure) {
    return all.stream().mapToDouble(figure).average().orElseThrow();
  }

  /** Progress lines on stderr, so that stdout holds only the tables. */
  interface Progress {
    void say(String what);
  }

  private final Path modelDir;
  private final BenchData data;
  private final int headEpochs;
  private final int fineTuneExamples;
  private final int rounds;
  private final List<String> policies;

  GraftRuns(Path modelDir, BenchData data, int headEpochs, int fineTuneExamples, int rounds, List<String> policies) {
    this.modelDir = modelDir;
    this.data = data;
    this.headEpochs = headEpochs;
    this.fineTuneExamples = fineTuneExamples;
    this.rounds = rounds;
    this.policies = List.copyOf(policies);
  }

  GraftModel load(ThreadSetting threads) {
    return Graft.load(modelDir, threads.loadOptions(), CutChoice.layer(CUT_LAYER));
  }

  static TrainConfig.Builder config(int epochs, String policy) {
    return TrainConfig.builder().setEpochs(epochs).optBatchSize(BATCH).optLearningRate(LEARNING_RATE).optSeed(SEED)
        .optFreeze(FreezePolicy.parse(policy));
  }

  SettingResult run(ThreadSetting threads, Progress progress) {
    progress.say("backbone limit");
    Backbone backbone = backbone(threads);
    progress.say("head-only");
    HeadOnly head = headOnly(threads, headSpec(), backbone);
    List<FineTune> fineTunes = new ArrayList<>();
    for (String policy : policies) {
      progress.say(policy);
      fineTunes.add(fineTune(threads, policy));
    }
    progress.say("MatMul 2048x2048");
    double matMul = MatMulPeak.flopsPerSecond(threads, 2048, 5);
    return new SettingResult(threads, new BackboneLimit(backbone.examplesPerSecond(), head.backboneAfterExPerSec()),
        head, fineTunes, matMul);
  }

  /**
   * (1) The backbone from the input to the cut over every training example, batches of the cache's size made
   * before timing, the features copied into one Java array as the cache does; one untimed warm-up batch.
   */
  Backbone backbone(ThreadSetting threads) {
    try (GraftModel model = load(threads);
        BenchData.Premade batches = BenchData.premade(data.train(), CACHE_BATCH)) {
      float[] cache = new float[Math.toIntExact(batches.examples() * model.cut().featureSize())];
      double exPerSec = backbonePass(model, batches, cache);
      return new Backbone(exPerSec, cache, model.cut().featureSize(), LabeledDatas.labels(data.train()));
    }
  }

  /** One untimed warm-up batch, then the timed pass over {@code batches} into {@code cache}; examples/s. */
  private static double backbonePass(GraftModel model, BenchData.Premade batches, float[] cache) {
    Session session = model.model().session();
    String input = model.model().input().tensor();
    String features = model.cut().features();
    try (Result warm = session.runner().feed(input, batches.features().get(0)).fetch(features).run()) {
      warm.get(0).asRawTensor().data().asFloats().read(cache, 0, (int) warm.get(0).shape().size());
    }
    long start = System.nanoTime();
    int offset = 0;
    for (TFloat32 batch : batches.features()) {
      try (Result result = session.runner().feed(input, batch).fetch(features).run()) {
        int n = (int) result.get(0).shape().size();
        result.get(0).asRawTensor().data().asFloats().read(cache, offset, n);
        offset += n;
      }
    }
    return batches.examples() / ((System.nanoTime() - start) / 1e9);
  }

  /**
   * (2), (3) Head-only training on every training example, no validation: epoch 1 fills the cache. Then, in the same
   * session, the bare loop over {@code backbone}'s features, the test accuracy, and the backbone pass of (1) again.
   */
  HeadOnly headOnly(ThreadSetting threads, HeadSpec spec, Backbone backbone) {
    try (GraftModel model = load(threads)) {
      model.replaceHead(spec);
      TrainResult result = model.train(data.train(), null, config(headEpochs, "head").build());
      if (!result.featureCacheUsed()) {
        throw new IllegalStateException("Head-only training did not cache features; the benchmark expects it to");
      }
      List<EpochMetrics> h = result.history();
      List<EpochMetrics> later = h.subList(1, h.size());
      double cachedSeconds = later.stream().mapToDouble(EpochMetrics::seconds).average().orElseThrow();
      double cachedExPerSec = later.stream().mapToDouble(EpochMetrics::examplesPerSecond).average().orElseThrow();
      double bareSeconds;
      StepProfile profile;
      double cachedStepFlops;
      String features = model.cut().features();
      String featuresOp = features.contains(":") ? features.substring(0, features.indexOf(':')) : features;
      try (BenchData.Premade batches = BenchData.premade(backbone.features(), new long[] {backbone.featureSize()},
          backbone.labels(), BATCH)) {
        BareLoop bare = new BareLoop(model, model.cut().features());
        bareSeconds = bare.passSeconds(batches, BARE_WARMUP);
        profile = bare.profile(batches);
        cachedStepFlops = StepFlops.count(model.model().graph(), bare.roots(), BareLoop.SCOPE + "/gradients", BATCH,
            java.util.Set.of(featuresOp)).stepPerExample();
      }
      double backboneFlops = StepFlops.count(model.model().graph(), List.of(features), BareLoop.SCOPE + "/gradients",
          BATCH).forwardPerExample();
      double accuracy = model.evaluate(data.test(), 1).accuracy();
      double after;
      try (BenchData.Premade batches = BenchData.premade(data.train(), CACHE_BATCH)) {
        after = backbonePass(model, batches, new float[backbone.features().length]);
      }
      String head = spec.hidden().isEmpty() ? "Dense(5)" : "Dense(" + spec.hidden().get(0) + ")+Dense(5)";
      return new HeadOnly(head, data.train().size(), h.size(), h.get(0).examplesPerSecond(), h.get(0).seconds(),
          cachedSeconds, cachedExPerSec, bareSeconds, accuracy, profile, after, backboneFlops, cachedStepFlops);
    }
  }

  /**
   * (4), (5) {@code policy} on the first {@code fineTuneExamples} training examples: one warm-up epoch, then
   * {@code rounds} more, with a bare pass over the same examples in the same session after each of the first
   * {@code rounds} epochs (so both see the same machine state); Graft's and the bare figure are medians, the ratio
   * the median of the rounds' ratios.
   */
  FineTune fineTune(ThreadSetting threads, String policy) {
    LabeledData subset = data.trainSubset(fineTuneExamples);
    try (GraftModel model = load(threads); BenchData.Premade batches = BenchData.premade(subset, BATCH)) {
      model.replaceHead(headSpec());
      List<Double> bare = new ArrayList<>();
      BareLoop[] loop = new BareLoop[1];
      TrainingListener interleave = new TrainingListener() {
        @Override
        public void onEpochEnd(EpochMetrics metrics) {
          if (metrics.epoch() > rounds) {
            return;
          }
          if (loop[0] == null) {
            loop[0] = new BareLoop(model, model.model().input().tensor());
          }
          bare.add(batches.examples() / loop[0].passSeconds(batches, metrics.epoch() == 1 ? BARE_WARMUP : 0));
        }
      };
      TrainResult result = model.train(subset, null, config(1 + rounds, policy).addListener(interleave).build());
      double[] graft = result.history().subList(1, 1 + rounds).stream()
          .mapToDouble(EpochMetrics::examplesPerSecond).toArray();
      double[] ratios = new double[rounds];
      for (int i = 0; i < rounds; i++) {
        ratios[i] = graft[i] / bare.get(i);
      }
      StepFlops flops = StepFlops.count(model.model().graph(), loop[0].roots(), BareLoop.SCOPE + "/gradients", BATCH);
      return new FineTune(policy, subset.size(), rounds, Stats.median(graft),
          Stats.median(bare.stream().mapToDouble(Double::doubleValue).toArray()), Stats.median(ratios), flops,
          loop[0].profile(batches));
    }
  }
}
