package dev.graft.train;

import dev.graft.data.transform.Augmentation;
import dev.graft.error.SettingException;
import dev.graft.error.SettingMessage;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;

/**
 * How a run trains: epochs, batches, optimizer, schedule, what is frozen, the fine-tuning recipe, regularisation,
 * early stopping, checkpoints and the one seed that reaches every initializer, shuffle and dropout.
 *
 * <p>Epochs, the warm-up and the patience default to {@link #AUTO}: {@link TrainPlan} resolves them from the
 * number of optimizer steps an epoch makes, so a small data set still gets enough steps. A fine-tuning policy
 * ({@code last:N}, {@code all}) then starts with a frozen warm-up of the new head at {@code learningRate}, and
 * unfreezes at {@code fineTuneLr} (the backbone at {@code fineTuneLr * backboneLrMult}); the best epoch of both
 * phases is kept, so a fine-tuned run never ends below its warm-up.
 *
 * <pre>{@code
 * TrainConfig config = TrainConfig.builder().setEpochs(5).optFreeze(FreezePolicy.last(2)).optSeed(7).build();
 * }</pre>
 */
public record TrainConfig(int epochs, int batchSize, float learningRate, OptimizerSpec optimizer, LrSchedule schedule,
    FreezePolicy freeze, int unfreezeEvery, float backboneLrMult, float labelSmoothing, float[] classWeights,
    long seed, int patience, Monitor monitor, boolean featureCache, int topK, Augmentation augmentation,
    Path checkpointDir, boolean resume, boolean batchNormTraining, float batchNormMomentum, boolean skipBad,
    int prefetch, List<TrainingListener> listeners, int warmupEpochs, float fineTuneLr, long cacheMemory) {

  /** A value that {@link TrainPlan} chooses from the data: epochs, warm-up epochs, patience. */
  public static final int AUTO = -1;

  /** The most epochs a run takes. */
  public static final int MAX_EPOCHS = 1_000_000;
  /** The largest batch: TensorFlow gets one tensor of this many examples. */
  public static final int MAX_BATCH_SIZE = 1 << 16;
  /** The most batches prepared ahead (each holds a batch's memory). */
  public static final int MAX_PREFETCH = 64;

  /** The setter of each setting, by field name: how a {@link SettingException} of this config names it. */
  private static final Map<String, String> SETTERS = Map.ofEntries(Map.entry("epochs", "setEpochs"),
      Map.entry("batchSize", "optBatchSize"), Map.entry("learningRate", "optLearningRate"),
      Map.entry("optimizer", "optOptimizer"), Map.entry("schedule", "optSchedule"), Map.entry("freeze", "optFreeze"),
      Map.entry("unfreezeEvery", "optUnfreezeEvery"), Map.entry("backboneLrMult", "optBackboneLrMult"),
      Map.entry("labelSmoothing", "optLabelSmoothing"), Map.entry("classWeights", "optClassWeights"),
      Map.entry("seed", "optSeed"), Map.entry("patience", "optPatience"), Map.entry("monitor", "optMonitor"),
      Map.entry("featureCache", "optFeatureCache"), Map.entry("topK", "optTopK"),
      Map.entry("augmentation", "optAugmentation"), Map.entry("checkpointDir", "optCheckpointDir"),
      Map.entry("resume", "optResume"), Map.entry("batchNormTraining", "optBatchNormTraining"),
      Map.entry("batchNormMomentum", "optBatchNormMomentum"), Map.entry("skipBad", "optSkipBad"),
      Map.entry("prefetch", "optPrefetch"), Map.entry("listeners", "addListener"),
      Map.entry("warmupEpochs", "optWarmupEpochs"), Map.entry("fineTuneLr", "optFineTuneLr"),
      Map.entry("cacheMemory", "optCacheMemory"));

  public TrainConfig {
    if (freeze == null || optimizer == null || schedule == null || monitor == null) {
      throw invalid("{freeze}, {optimizer}, {schedule} and {monitor} are required; one of them is null");
    }
    if ((epochs < 1 || epochs > MAX_EPOCHS) && epochs != AUTO) {
      throw invalid("{epochs} must be between 1 and " + MAX_EPOCHS + " (or auto), got " + epochs);
    }
    if (warmupEpochs < 0 && warmupEpochs != AUTO) {
      throw invalid("{warmupEpochs} must be >= 0 (0 = no warm-up) or auto, got " + warmupEpochs);
    }
    if (patience < 0 && patience != AUTO) {
      throw invalid("{patience} must be >= 0 (0 = no early stopping) or auto, got " + patience);
    }
    if (!(fineTuneLr > 0) || Float.isInfinite(fineTuneLr)) {
      throw invalid("{fineTuneLr} must be a positive number, got " + fineTuneLr);
    }
    if (cacheMemory < 0) {
      throw invalid("{cacheMemory} must be >= 0 bytes, got " + cacheMemory);
    }
    if (batchSize < 1 || batchSize > MAX_BATCH_SIZE) {
      throw invalid("{batchSize} must be between 1 and " + MAX_BATCH_SIZE + ", got " + batchSize);
    }
    if (!(learningRate > 0) || Float.isInfinite(learningRate)) {
      throw invalid("{learningRate} must be a positive number, got " + learningRate);
    }
    if (!(labelSmoothing >= 0 && labelSmoothing < 1)) {
      throw invalid("{labelSmoothing} must be in [0, 1), got " + labelSmoothing);
    }
    if (!(backboneLrMult >= 0) || Float.isInfinite(backboneLrMult)) {
      throw invalid("{backboneLrMult} must be a number >= 0, got " + backboneLrMult);
    }
    if (unfreezeEvery < 0) {
      throw invalid("{unfreezeEvery} must be >= 0 (0 = off), got " + unfreezeEvery);
    }
    if (topK < 1) {
      throw invalid("{topK} must be at least 1, got " + topK);
    }
    classWeights = checkClassWeights(classWeights);
    if (!(batchNormMomentum >= 0 && batchNormMomentum < 1)) {
      throw invalid("{batchNormMomentum} must be in [0, 1), got " + batchNormMomentum);
    }
    if (prefetch < 0 || prefetch > MAX_PREFETCH) {
      throw invalid("{prefetch} must be between 0 (prepare batches on the training thread) and " + MAX_PREFETCH
          + ", got " + prefetch);
    }
    if (unfreezeEvery > 0 && freeze.kind() == FreezePolicy.Kind.HEAD) {
      throw invalid("{unfreezeEvery} " + unfreezeEvery + " unfreezes backbone layers, but {freeze} head freezes "
          + "them all; pass {freeze} all (or last:N) with it, or drop {unfreezeEvery}");
    }
    if (resume && checkpointDir == null) {
      throw invalid("{resume} needs {checkpointDir}: the folder the interrupted run wrote");
    }
    listeners = List.copyOf(listeners);
  }

  /** A problem with the settings {@code template} names as {@code {field}}. */
  static SettingException invalid(String template) {
    return new SettingException(message(template));
  }

  /**
   * A message that names settings of this config as {@code {field}} ({@code {epochs}}, {@code {checkpointDir}}), each
   * said with its setter: for a failure whose way out is another setting.
   */
  public static SettingMessage message(String template) {
    return SettingMessage.of("TrainConfig.Builder", SETTERS, template);
  }

  private static float[] checkClassWeights(float[] weights) {
    if (weights == null) {
      return null;
    }
    boolean anyPositive = false;
    for (float w : weights) {
      if (!(w >= 0) || Float.isInfinite(w)) {
        throw invalid("{classWeights} " + java.util.Arrays.toString(weights) + " holds " + w
            + "; weights must be finite numbers >= 0, one per class in label order");
      }
      anyPositive |= w > 0;
    }
    if (!anyPositive) {
      throw invalid("{classWeights} " + java.util.Arrays.toString(weights) + " are all zero, "
          + "so no example would count in the loss; give the classes positive weights");
    }
    return weights.clone();
  }

  /**
   * The options that decide the trained weights, by option name: a run resumed from a checkpoint must have the same
   * ones to end where the interrupted run would have ended.
   */
  public java.util.Map<String, String> resumeKey() {
    java.util.Map<String, String> key = new java.util.LinkedHashMap<>();
    key.put("epochs", Integer.toString(epochs));
    key.put("batch-size", Integer.toString(batchSize));
    key.put("lr", Float.toString(learningRate));
    key.put("optimizer", optimizer.toString());
    key.put("schedule", schedule.describe());
    key.put("train", freeze.toString());
    key.put("unfreeze-every", Integer.toString(unfreezeEvery));
    key.put("backbone-lr-mult", Float.toString(backboneLrMult));
    key.put("label-smoothing", Float.toString(labelSmoothing));
    key.put("class-weights", classWeights == null ? "none" : java.util.Arrays.toString(classWeights));
    key.put("seed", Long.toString(seed));
    key.put("patience", Integer.toString(patience));
    key.put("warmup-epochs", Integer.toString(warmupEpochs));
    key.put("fine-tune-lr", Float.toString(fineTuneLr));
    key.put("monitor", monitor.id());
    key.put("no-cache", Boolean.toString(!featureCache));
    key.put("augmentation", augmentation == null || augmentation.isNone() ? "none" : augmentation.toString());
    key.put("bn-train", Boolean.toString(batchNormTraining));
    key.put("bn-momentum", Float.toString(batchNormMomentum));
    return key;
  }

  /**
   * A builder with the defaults: epochs, warm-up and patience {@link #AUTO}, batch 64, Adam at 1e-3, head only,
   * fine-tuning at 1e-5 after the warm-up, seed 42, features cached in memory up to a quarter of the heap (at most
   * 256 MB) and in a memory-mapped file beyond.
   */
  public static Builder builder() {
    return new Builder();
  }

  /** Builds a {@link TrainConfig}. */
  public static final class Builder {
    private int epochs = AUTO;
    private int batchSize = 64;
    private float learningRate = 1e-3f;
    private OptimizerSpec optimizer = OptimizerSpec.adam();
    private LrSchedule schedule = LrSchedule.constant();
    private FreezePolicy freeze = FreezePolicy.head();
    private int unfreezeEvery;
    private float backboneLrMult = 1f;
    private float labelSmoothing;
    private float[] classWeights;
    private long seed = 42;
    private int patience = AUTO;
    private int warmupEpochs = AUTO;
    private float fineTuneLr = 1e-5f;
    private long cacheMemory = Math.min(256L << 20, Runtime.getRuntime().maxMemory() / 4);
    private Monitor monitor = Monitor.VAL_ACCURACY;
    private boolean featureCache = true;
    private int topK = 3;
    private Augmentation augmentation;
    private Path checkpointDir;
    private boolean resume;
    private boolean batchNormTraining;
    private float batchNormMomentum = 0.99f;
    private boolean skipBad;
    private int prefetch = 2;
    private final List<TrainingListener> listeners = new ArrayList<>();

    public Builder setEpochs(int epochs) {
      this.epochs = epochs;
      return this;
    }

    public Builder optBatchSize(int batchSize) {
      this.batchSize = batchSize;
      return this;
    }

    public Builder optLearningRate(float learningRate) {
      this.learningRate = learningRate;
      return this;
    }

    public Builder optOptimizer(OptimizerSpec optimizer) {
      this.optimizer = optimizer;
      return this;
    }

    public Builder optSchedule(LrSchedule schedule) {
      this.schedule = schedule;
      return this;
    }

    public Builder optFreeze(FreezePolicy freeze) {
      this.freeze = freeze;
      return this;
    }

    /** Gradual unfreezing: one more backbone layer every {@code epochs} epochs (0 = off). */
    public Builder optUnfreezeEvery(int epochs) {
      this.unfreezeEvery = epochs;
      return this;
    }

    /** Learning rate of unfrozen backbone variables relative to the head's. */
    public Builder optBackboneLrMult(float mult) {
      this.backboneLrMult = mult;
      return this;
    }

    public Builder optLabelSmoothing(float smoothing) {
      this.labelSmoothing = smoothing;
      return this;
    }

    /** Per-class loss weights, by label. */
    public Builder optClassWeights(float[] weights) {
      this.classWeights = weights == null ? null : weights.clone();
      return this;
    }

    public Builder optSeed(long seed) {
      this.seed = seed;
      return this;
    }

    /**
     * Stop a phase after {@code epochs} epochs without improvement of the monitored metric (0 = never;
     * {@link #AUTO}, the default: see {@link TrainPlan}).
     */
    public Builder optPatience(int epochs) {
      this.patience = epochs;
      return this;
    }

    /**
     * Epochs of head-only training before a fine-tuning policy unfreezes the backbone (0 = unfreeze from the first
     * step; {@link #AUTO}, the default: until the head's validation score stops improving, see {@link TrainPlan}).
     */
    public Builder optWarmupEpochs(int epochs) {
      this.warmupEpochs = epochs;
      return this;
    }

    /** Learning rate of head and backbone once the warm-up is over (default 1e-5). */
    public Builder optFineTuneLr(float lr) {
      this.fineTuneLr = lr;
      return this;
    }

    /** Bytes of cached features kept on the Java heap; beyond, they go to a memory-mapped temporary file. */
    public Builder optCacheMemory(long bytes) {
      this.cacheMemory = bytes;
      return this;
    }

    /** The metric that picks the best epoch and stops early: {@link Monitor#VAL_ACCURACY} (default) or loss. */
    public Builder optMonitor(Monitor metric) {
      this.monitor = metric;
      return this;
    }

    /** Whether a wholly frozen backbone's features are computed once and reused (default true). */
    public Builder optFeatureCache(boolean cache) {
      this.featureCache = cache;
      return this;
    }

    public Builder optTopK(int k) {
      this.topK = k;
      return this;
    }

    public Builder optAugmentation(Augmentation augmentation) {
      this.augmentation = augmentation;
      return this;
    }

    /** Where a checkpoint is written after every epoch (atomically). */
    public Builder optCheckpointDir(Path dir) {
      this.checkpointDir = dir;
      return this;
    }

    /** Continue from the checkpoint in the checkpoint folder, if there is one. */
    public Builder optResume(boolean resume) {
      this.resume = resume;
      return this;
    }

    /**
     * Let the batch-normalization layers among the trained ones use batch statistics and update
     * their moving statistics (default: inference mode, as Keras recommends for fine-tuning).
     */
    public Builder optBatchNormTraining(boolean train) {
      this.batchNormTraining = train;
      return this;
    }

    /** Momentum of the moving statistics when batch normalization trains (default 0.99). */
    public Builder optBatchNormMomentum(float momentum) {
      this.batchNormMomentum = momentum;
      return this;
    }

    /** Skip examples that turn out unreadable while training (they are counted) instead of stopping. */
    public Builder optSkipBad(boolean skipBad) {
      this.skipBad = skipBad;
      return this;
    }

    /** Batches prepared ahead on a background thread (default 2; 0 prepares them on the training thread). */
    public Builder optPrefetch(int batches) {
      this.prefetch = batches;
      return this;
    }

    public Builder addListener(TrainingListener listener) {
      this.listeners.add(listener);
      return this;
    }

    public TrainConfig build() {
      return new TrainConfig(epochs, batchSize, learningRate, optimizer, schedule, freeze, unfreezeEvery,
          backboneLrMult, labelSmoothing, classWeights, seed, patience, monitor, featureCache, topK, augmentation,
          checkpointDir, resume, batchNormTraining, batchNormMomentum, skipBad, prefetch, listeners, warmupEpochs,
          fineTuneLr, cacheMemory);
    }
  }
}
