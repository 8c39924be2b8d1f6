package dev.graft.train;

import dev.graft.error.DataException;
import dev.graft.error.GraftException;
import dev.graft.data.batch.BatchStream;
import dev.graft.data.LabeledData;
import dev.graft.data.transform.Preprocessing;
import dev.graft.feature.Featurizer;
import dev.graft.graph.Pooling;
import dev.graft.graph.TensorRef;
import dev.graft.graph.VariableSnapshot;
import dev.graft.head.HeadBuilder;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.LinkedHashSet;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.concurrent.atomic.AtomicInteger;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;
import org.tensorflow.Session;
import org.tensorflow.proto.StepStats;

/**
 * Trains a new head, and the backbone variables a {@link FreezePolicy} unfreezes, on labelled data, in the phases
 * of a {@link TrainPlan}: head-only training, or a frozen warm-up of the head followed by fine-tuning.
 *
 * <p>While the backbone is wholly frozen and no augmentation is on, the backbone runs once per example and the
 * head trains on the cached features. Frozen variables get no update op and stay bit-identical. With validation
 * data the model ends on the best epoch's weights over all phases, so fine-tuning never ends below the warm-up.
 */
public final class Trainer {

  private static final Logger log = LoggerFactory.getLogger(Trainer.class);
  /** How many times this JVM's trainings collected the heap before their first step (for tests). */
  static final AtomicInteger HEAP_RELEASES = new AtomicInteger();

  private final TrainTarget target;
  private final TrainConfig config;
  private final TrainingGraph ops;
  private final Set<String> headVariables;
  private final CheckpointStore checkpoints;
  private final EpochLoop loop;

  private Trainer(TrainTarget target, TrainConfig config, Map<String, String> dataKey) {
    this.target = target;
    this.config = config;
    this.headVariables = new LinkedHashSet<>(target.head().variables());
    Set<String> finalBackbone = config.freeze().select(target.layers(), target.layerVariables());
    Map<String, List<String>> reads = new LinkedHashMap<>();
    for (String v : headVariables) {
      reads.put(v, List.of(target.head().reads().get(v)));
    }
    for (String v : finalBackbone) {
      reads.put(v, target.backboneReads().get(v));
    }
    float[] weights = config.classWeights();
    if (weights != null && weights.length != target.numClasses()) {
      throw TrainConfig.invalid("{classWeights} has " + weights.length + " values for "
          + target.numClasses() + " classes; give one weight per class, in label order");
    }
    this.ops = new TrainingGraph(target.graph(), target.head().logits(), target.numClasses(), reads, headVariables,
        config.optimizer(), config.labelSmoothing(), weights);
    this.checkpoints = config.checkpointDir() == null ? null
        : new CheckpointStore(target.graph(), config.checkpointDir(), trainedVariables(reads.keySet()),
            runKey(dataKey));
    this.loop = new EpochLoop(target, config, ops);
  }

  /** The options a resumed run must share with the interrupted one: the config's, the target's and the data sizes. */
  private Map<String, String> runKey(Map<String, String> dataKey) {
    Map<String, String> key = new LinkedHashMap<>(config.resumeKey());
    key.putAll(target.identity());
    key.putAll(dataKey);
    key.put("classes-of-the-head", Integer.toString(target.numClasses()));
    return key;
  }

  private List<String> trainedVariables(Set<String> trained) {
    List<String> all = new ArrayList<>(trained);
    all.addAll(ops.slotVariables);
    all.addAll(target.stateVariables());
    return all;
  }

  /**
   * Trains and returns what each epoch measured; the model then holds the best epoch's weights when a
   * validation set was given, otherwise the last epoch's.
   */
  public static TrainResult train(TrainTarget target, LabeledData train, LabeledData validation, TrainConfig config) {
    if (train.size() == 0) {
      throw new GraftException(TrainConfig.message("The training data is empty; check {data} and {classes}.")
          .and(DataException.SETTINGS));
    }
    dev.graft.data.view.LabeledDatas.requireExamplesOfEveryClass(train);
    if (config.checkpointDir() != null) {
      CheckpointFolder.check(config.checkpointDir(), config.resume());
    }
    Map<String, String> data = new LinkedHashMap<>();
    data.put("training-examples", Integer.toString(train.size()));
    data.put("validation-examples", Integer.toString(validation == null ? 0 : validation.size()));
    return new Trainer(target, config, data).run(train, validation);
  }

  /**
   * Collects the garbage of loading the model and building the training graph (parsed protobufs, op lists: a few
   * hundred MB on a 224x224 backbone) before the first step, so that the JVM shrinks its heap and hands those pages
   * back before TensorFlow allocates the step's activations beside it. Without it, G1 grows the heap while the model
   * loads and the training steps make too little garbage to collect it again: the heap's touched pages then stay in
   * the process's memory through training (measured on EfficientNetB0's {@code all} fine-tune: peak RSS 5238 -> 4947
   * MiB, heap 776 -> 228 MiB committed; README, "Benchmark"). One full collection, tens of ms; a JVM run with
   * {@code -XX:+DisableExplicitGC} skips it.
   */
  private static void releaseHeapGarbage() {
    HEAP_RELEASES.incrementAndGet();
    System.gc();
  }

  /** The devices that ran ops in {@code stats}, as {@code TYPE:index}, busiest (most op time) first. */
  static List<String> devicesOf(StepStats stats) {
    return EpochLoop.devicesOf(stats);
  }

  /** Where the run stands: what the epochs so far measured and the best of them. */
  private static final class Progress implements AutoCloseable {
    final List<EpochMetrics> history = new ArrayList<>();
    double best = Double.NaN;
    int bestEpoch;
    VariableSnapshot bestWeights;
    int phase;
    int phaseStart;

    void keepBest(VariableSnapshot weights) {
      if (bestWeights != null) {
        bestWeights.close();
      }
      bestWeights = weights;
    }

    @Override
    public void close() {
      keepBest(null);
    }
  }

  private TrainResult run(LabeledData train, LabeledData validation) {
    releaseHeapGarbage();
    target.model().session().run(ops.initSlots);
    HeadBuilder.initialize(target.model(), target.head(), config.seed());
    TrainPlan plan = TrainPlan.of(config, train.size(), validation != null);
    boolean cutAtInput = TensorRef.parse(target.features()).equals(TensorRef.parse(target.input()));
    boolean cacheable = config.featureCache() && config.augmentation() == null && !cutAtInput
        && FeatureCache.fits(train.size() + (validation == null ? 0 : validation.size()), target.featureSize());
    try (Progress progress = new Progress(); Cached cached = new Cached(train, validation)) {
      resume(progress);
      config.listeners().forEach(l -> l.onTrainStart(plan.totalEpochs(), plan.stepsPerEpoch()));
      boolean stoppedEarly = false;
      boolean usedCache = false;
      int warmupEpochs = 0;
      int skipped = 0;
      String lastFeed = target.input();
      for (int p = progress.phase; p < plan.phases().size(); p++) {
        TrainPlan.Phase phase = plan.phases().get(p);
        boolean resuming = p == progress.phase && progress.history.size() > progress.phaseStart;
        if (!resuming) {
          startPhase(progress, phase, p);
        }
        boolean cache = cacheable && phase.freeze().kind() == FreezePolicy.Kind.HEAD;
        double cacheSeconds = 0;
        LabeledData trainData = train;
        LabeledData valData = validation;
        if (cache) {
          long start = System.nanoTime();
          trainData = cached.train();
          valData = validation == null ? null : cached.validation();
          cacheSeconds = (System.nanoTime() - start) / 1e9;
          usedCache = true;
        }
        String feed = cache ? target.features() : target.input();
        lastFeed = feed;
        config.listeners().forEach(l -> l.onPhaseStart(phase, progress.history.size() + 1));
        try (BatchStream stream = trainStream(trainData, cache);
            BatchStream valStream = valData == null ? null : evalStream(valData)) {
          stoppedEarly = runPhase(progress, phase, p, plan, stream, feed, valStream, cacheSeconds, valData != null);
          skipped = train.size() - trainData.size() + stream.skipped();
        }
      }
      if (plan.phases().get(0).name().equals("warm-up")) {
        // The fine-tuning phase began where the warm-up ended (also when this process resumed inside it).
        warmupEpochs = progress.phase > 0 ? progress.phaseStart : progress.history.size();
      }
      if (progress.bestWeights != null && progress.bestEpoch != progress.history.size()) {
        target.model().assignVariables(progress.bestWeights);
      }
      int bestEpoch = validation == null ? progress.history.size() : progress.bestEpoch;
      Metrics finalMetrics = null;
      if (validation != null) {
        boolean cachedFeed = !lastFeed.equals(target.input());
        try (BatchStream valStream = evalStream(cachedFeed ? cached.validation() : validation)) {
          finalMetrics = loop.evaluate(valStream, lastFeed);
        }
      }
      TrainResult result = new TrainResult(List.copyOf(progress.history), bestEpoch, stoppedEarly, finalMetrics,
          usedCache, skipped, loop.devices(), plan, warmupEpochs);
      config.listeners().forEach(l -> l.onTrainEnd(result));
      return result;
    }
  }

  /** Restores the checkpoint's variables and progress when resuming from one. */
  private void resume(Progress progress) {
    if (checkpoints != null && !config.resume()) {
      checkpoints.start();
    }
    if (checkpoints == null || !config.resume()) {
      return;
    }
    Session session = target.model().session();
    CheckpointStore.State state = checkpoints.resume(session);
    progress.history.addAll(state.history());
    progress.best = state.best();
    progress.bestEpoch = state.bestEpoch();
    progress.phase = state.phase();
    progress.phaseStart = state.phaseStart();
    int done = state.epochsDone();
    if (progress.bestEpoch > 0 && progress.bestEpoch == done) {
      // The last epoch done was the best so far: its weights are the ones just restored.
      progress.keepBest(target.model().readVariables(new ArrayList<>(allTrainable())));
    } else if (progress.bestEpoch > 0 && progress.bestEpoch < done && checkpoints.restoreBest(session)) {
      // The best epoch came before the interruption: hold its weights as an uninterrupted run would.
      progress.keepBest(target.model().readVariables(new ArrayList<>(allTrainable())));
      checkpoints.restoreLatest(session);
    }
    log.info("Resumed from {} after epoch {}", config.checkpointDir(), done);
  }

  /**
   * Begins phase {@code index}: a later phase starts from the best weights so far (the warm-up's best head), and
   * with a fresh optimizer when the phase asks for one.
   */
  private void startPhase(Progress progress, TrainPlan.Phase phase, int index) {
    progress.phase = index;
    progress.phaseStart = progress.history.size();
    if (index == 0) {
      return;
    }
    if (progress.bestWeights != null && progress.bestEpoch != progress.history.size()) {
      target.model().assignVariables(progress.bestWeights);
    }
    if (phase.freshOptimizer()) {
      target.model().session().run(ops.initSlots);
    }
  }

  /** Runs the epochs of one phase; returns whether early stopping ended it before its last epoch. */
  private boolean runPhase(Progress progress, TrainPlan.Phase phase, int index, TrainPlan plan, BatchStream stream,
      String feed, BatchStream valStream, double extraSeconds, boolean validated) {
    long stepsPerEpoch = stream.batchesPerEpoch();
    double extra = extraSeconds;
    for (int e = progress.history.size() - progress.phaseStart; e < phase.epochs(); e++) {
      int sinceBest = progress.history.size() - Math.max(progress.bestEpoch, progress.phaseStart);
      if (validated && phase.patience() > 0 && sinceBest >= phase.patience()) {
        return true;
      }
      int epoch = progress.history.size();
      Set<String> trained = new LinkedHashSet<>(headVariables);
      trained.addAll(phase.freeze().selectAt(e, config.unfreezeEvery(), target.layers(), target.layerVariables()));
      EpochLoop.Position at = new EpochLoop.Position(epoch, e * stepsPerEpoch, phase.epochs() * stepsPerEpoch,
          stepsPerEpoch, phase);
      EpochMetrics metrics = loop.run(stream, at, trained, feed, valStream, extra);
      extra = 0;
      progress.history.add(metrics);
      double score = config.monitor().score(metrics);
      if (validated && (Double.isNaN(progress.best) || score > progress.best)) {
        progress.best = score;
        progress.bestEpoch = epoch + 1;
        progress.keepBest(target.model().readVariables(new ArrayList<>(allTrainable())));
      }
      if (checkpoints != null) {
        checkpoints.save(target.model().session(), new CheckpointStore.State(epoch + 1, progress.history, progress.best,
            progress.bestEpoch, index, progress.phaseStart));
      }
      config.listeners().forEach(l -> l.onEpochEnd(metrics));
    }
    return false;
  }

  private Set<String> allTrainable() {
    Set<String> all = new LinkedHashSet<>(headVariables);
    all.addAll(config.freeze().select(target.layers(), target.layerVariables()));
    all.addAll(target.stateVariables());
    return all;
  }

  private BatchStream trainStream(LabeledData data, boolean cached) {
    return BatchStream.builder().setData(data).setBatchSize(config.batchSize()).optSkipBad(config.skipBad())
        .optPrefetch(config.prefetch()).optSeed(config.seed()).optShuffle(true)
        .optAugmentation(cached ? null : config.augmentation()).build();
  }

  /**
   * The stream that evaluates {@code data}: in order, one for the whole phase, in batches of
   * {@link BatchStream#forwardBatchSize(LabeledData)} (256 small examples, or as many images as fit 64 MiB).
   */
  private BatchStream evalStream(LabeledData data) {
    return BatchStream.builder().setData(data).setBatchSize(BatchStream.forwardBatchSize(data))
        .optShuffle(false).optSkipBad(config.skipBad()).build();
  }

  /**
   * The backbone features of the training and validation data, each computed in one pass the first time a phase
   * asks for it, and released (a mapped cache's file deleted) when the run ends.
   */
  private final class Cached implements AutoCloseable {
    private final LabeledData train;
    private final LabeledData validation;
    private final List<FeatureCache> caches = new ArrayList<>();
    private LabeledData trainFeatures;
    private LabeledData validationFeatures;

    Cached(LabeledData train, LabeledData validation) {
      this.train = train;
      this.validation = validation;
    }

    LabeledData train() {
      if (trainFeatures == null) {
        trainFeatures = features(train);
      }
      return trainFeatures;
    }

    LabeledData validation() {
      if (validationFeatures == null) {
        validationFeatures = features(validation);
      }
      return validationFeatures;
    }

    /**
     * The features of every example, computed in one pass (decoding in parallel, batches prepared ahead); examples
     * skipped as unreadable are left out.
     */
    private LabeledData features(LabeledData data) {
      long start = System.nanoTime();
      Featurizer featurizer = Featurizer.of(target.graph(), target.model().session(), target.input(),
          List.of(target.features()), Pooling.FLATTEN, Preprocessing.none());
      FeatureCache cache = new FeatureCache(data.size(), (int) target.featureSize(), config.cacheMemory());
      caches.add(cache);
      featurizer.pass(data, config.skipBad(), (batch, features) -> cache.put(batch, features.get(0)));
      log.info("Cached backbone features of {} examples in {} ms{}", cache.count(),
          (System.nanoTime() - start) / 1_000_000, cache.mapped() ? " (in a memory-mapped file)" : "");
      return cache.toData(data);
    }

    @Override
    public void close() {
      caches.forEach(FeatureCache::close);
    }
  }
}
