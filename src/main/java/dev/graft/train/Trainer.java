package dev.graft.train;

import dev.graft.GraftException;
import dev.graft.data.Batch;
import dev.graft.data.BatchIterator;
import dev.graft.data.BatchStream;
import dev.graft.data.LabeledData;
import dev.graft.graph.VariableSnapshot;
import dev.graft.head.HeadBuilder;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.LinkedHashSet;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.Set;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;
import org.tensorflow.GraphOperation;
import org.tensorflow.Output;
import org.tensorflow.Result;
import org.tensorflow.Session;
import org.tensorflow.Tensor;
import org.tensorflow.proto.DeviceStepStats;
import org.tensorflow.proto.NodeExecStats;
import org.tensorflow.proto.RunMetadata;
import org.tensorflow.proto.RunOptions;
import org.tensorflow.proto.StepStats;
import org.tensorflow.types.TBool;
import org.tensorflow.types.TFloat32;
import org.tensorflow.types.TInt64;

/**
 * Trains a new head, and the backbone variables a {@link FreezePolicy} unfreezes, on labelled data.
 *
 * <p>When the backbone is wholly frozen and no augmentation is on, the backbone runs once per example
 * and later epochs train the head on the cached features. Frozen variables get no update op and stay
 * bit-identical.
 */
public final class Trainer {

  private static final Logger log = LoggerFactory.getLogger(Trainer.class);
  /** The first step's options: TensorFlow records which device ran each op (no GPU profiler needed). */
  private static final RunOptions TRACE =
      RunOptions.newBuilder().setTraceLevel(RunOptions.TraceLevel.SOFTWARE_TRACE).build();
  private static final Pattern DEVICE = Pattern.compile("device:([A-Za-z_]+:\\d+)");

  private final TrainTarget target;
  private final TrainConfig config;
  private final TrainingGraph ops;
  private final Set<String> headVariables;
  private final CheckpointStore checkpoints;
  private float[] probabilityBuffer = new float[0];
  /** The devices the first training step ran on; null until it ran. */
  private List<String> devices;

  private Trainer(TrainTarget target, TrainConfig config) {
    this.target = target;
    this.config = config;
    this.headVariables = new LinkedHashSet<>(target.head().variables());
    Set<String> finalBackbone = config.freeze().select(target.layers(), target.layerVariables());
    Map<String, List<String>> reads = new LinkedHashMap<>();
    for (String v : headVariables) {
      reads.put(v, headReads(v));
    }
    for (String v : finalBackbone) {
      reads.put(v, target.backboneReads().get(v));
    }
    float[] weights = config.classWeights();
    if (weights != null && weights.length != target.numClasses()) {
      throw new IllegalArgumentException("--class-weights has " + weights.length + " values for "
          + target.numClasses() + " classes; give one weight per class, in label order");
    }
    this.ops = new TrainingGraph(target.graph(), target.head().logits(), target.numClasses(), reads, headVariables,
        config.optimizer(), config.labelSmoothing(), weights);
    this.checkpoints = config.checkpointDir() == null ? null
        : new CheckpointStore(target.graph(), config.checkpointDir(), trainedVariables(reads.keySet()));
  }

  private List<String> trainedVariables(Set<String> trained) {
    List<String> all = new ArrayList<>(trained);
    all.addAll(ops.slotVariables);
    all.addAll(target.stateVariables());
    return all;
  }

  private List<String> headReads(String variable) {
    GraphOperation handle = target.graph().operationOrThrow(variable);
    List<String> reads = new ArrayList<>();
    for (GraphOperation consumer : handle.consumers()) {
      if (consumer.type().equals("ReadVariableOp") && consumer.name().startsWith(target.head().scope() + "/")) {
        reads.add(consumer.name() + ":0");
      }
    }
    return reads;
  }

  /**
   * Trains and returns what each epoch measured; the model then holds the best epoch's weights when a
   * validation set was given, otherwise the last epoch's.
   */
  public static TrainResult train(TrainTarget target, LabeledData train, LabeledData validation, TrainConfig config) {
    if (train.size() == 0) {
      throw new GraftException("The training data is empty; check --data and --classes.");
    }
    return new Trainer(target, config).run(train, validation);
  }

  private TrainResult run(LabeledData train, LabeledData validation) {
    Session session = target.session();
    session.run(ops.initSlots);
    HeadBuilder.initialize(target.graph(), session, target.head(), config.seed(), target.io());
    boolean cutAtInput = tensorName(target.features()).equals(tensorName(target.input()));
    boolean cache = config.featureCache() && config.freeze().kind() == FreezePolicy.Kind.HEAD
        && config.augmentation() == null && !cutAtInput;
    String feedName = cache ? target.features() : target.input();
    long cacheStart = System.nanoTime();
    LabeledData trainData = cache ? features(train) : train;
    LabeledData valData = validation == null ? null : cache ? features(validation) : validation;
    // The backbone's one pass over the data belongs to the first epoch's cost.
    double cacheSeconds = (System.nanoTime() - cacheStart) / 1e9;

    List<EpochMetrics> history = new ArrayList<>();
    int startEpoch = 0;
    double best = Double.NaN;
    int bestEpoch = 0;
    VariableSnapshot bestWeights = null;
    if (checkpoints != null && config.resume()) {
      CheckpointStore.State state = checkpoints.restore(session);
      if (state != null) {
        startEpoch = state.epochsDone();
        history.addAll(state.history());
        best = state.best();
        bestEpoch = state.bestEpoch();
        if (bestEpoch > 0 && bestEpoch < startEpoch && checkpoints.restoreBest(session)) {
          // The best epoch came before the interruption: hold its weights as an uninterrupted run would.
          bestWeights = target.io().read(session, new ArrayList<>(allTrainable()));
          try {
            checkpoints.restore(session);
          } catch (RuntimeException e) {
            bestWeights.close();
            throw e;
          }
        }
        log.info("Resumed from {} after epoch {}", config.checkpointDir(), startEpoch);
      }
    }
    boolean stoppedEarly = false;
    try (BatchStream stream = BatchStream.builder().setData(trainData).setBatchSize(config.batchSize())
        .optSkipBad(config.skipBad()).optPrefetch(config.prefetch())
        .optSeed(config.seed()).optShuffle(true).optAugmentation(cache ? null : config.augmentation()).build();
        BatchStream valStream = valData == null ? null : evalStream(valData)) {
      long stepsPerEpoch = stream.batchesPerEpoch();
      long totalSteps = stepsPerEpoch * config.epochs();
      config.listeners().forEach(l -> l.onTrainStart(config.epochs(), (int) stepsPerEpoch));
      int sinceBest = bestEpoch > 0 ? startEpoch - bestEpoch : 0;
      for (int epoch = startEpoch; epoch < config.epochs(); epoch++) {
        Set<String> trained = new LinkedHashSet<>(headVariables);
        trained.addAll(config.freeze().selectAt(epoch, config.unfreezeEvery(), target.layers(), target.layerVariables()));
        EpochMetrics metrics = runEpoch(stream, epoch, trained, feedName, valStream, stepsPerEpoch, totalSteps,
            epoch == 0 ? cacheSeconds : 0);
        history.add(metrics);
        double score = config.monitor().equals("val_loss") ? -metrics.valLoss() : metrics.valAccuracy();
        if (valData != null && (Double.isNaN(best) || score > best)) {
          best = score;
          bestEpoch = epoch + 1;
          sinceBest = 0;
          if (bestWeights != null) {
            bestWeights.close();
          }
          bestWeights = target.io().read(session, new ArrayList<>(allTrainable()));
        } else {
          sinceBest++;
        }
        if (checkpoints != null) {
          checkpoints.save(session, new CheckpointStore.State(epoch + 1, history, best, bestEpoch));
        }
        config.listeners().forEach(l -> l.onEpochEnd(metrics));
        if (config.patience() > 0 && sinceBest >= config.patience()) {
          stoppedEarly = epoch + 1 < config.epochs();
          break;
        }
      }
      if (bestWeights != null && bestEpoch != history.size()) {
        target.io().assign(session, bestWeights);
      }
      if (valData == null) {
        bestEpoch = history.size();
      }
      Metrics finalMetrics = valStream == null ? null : evaluate(valStream, feedName);
      TrainResult result = new TrainResult(List.copyOf(history), bestEpoch, stoppedEarly, finalMetrics, cache,
          train.size() - trainData.size() + stream.skipped(), devices == null ? List.of() : devices);
      config.listeners().forEach(l -> l.onTrainEnd(result));
      return result;
    } finally {
      if (bestWeights != null) {
        bestWeights.close();
      }
    }
  }

  /** The devices that ran ops in {@code stats}, as {@code TYPE:index}, busiest (most op time) first. */
  static List<String> devicesOf(StepStats stats) {
    if (stats == null) {
      return List.of();
    }
    Map<String, Long> busy = new LinkedHashMap<>();
    for (DeviceStepStats device : stats.getDevStatsList()) {
      Matcher m = DEVICE.matcher(device.getDevice());
      if (!m.find() || device.getNodeStatsCount() == 0) {
        continue;
      }
      long micros = 1;
      for (NodeExecStats node : device.getNodeStatsList()) {
        micros += node.getAllEndRelMicros();
      }
      busy.merge(m.group(1).toUpperCase(Locale.ROOT), micros, Long::sum);
    }
    return busy.entrySet().stream().sorted(Map.Entry.<String, Long>comparingByValue().reversed())
        .map(Map.Entry::getKey).toList();
  }

  /** The output {@code ref} names: {@code op:index}, or {@code op} for its first output. */
  private Output<?> output(String ref) {
    return target.graph().outputOrThrow(ref);
  }

  private static String tensorName(String ref) {
    return ref.contains(":") ? ref : ref + ":0";
  }

  private Set<String> allTrainable() {
    Set<String> all = new LinkedHashSet<>(headVariables);
    all.addAll(config.freeze().select(target.layers(), target.layerVariables()));
    all.addAll(target.stateVariables());
    return all;
  }

  private EpochMetrics runEpoch(BatchStream stream, int epoch, Set<String> trained, String feedName,
      BatchStream valStream, long stepsPerEpoch, long totalSteps, double extraSeconds) {
    long start = System.nanoTime() - (long) (extraSeconds * 1e9);
    String step = ops.stepTarget(trained, target.stateUpdates());
    config.listeners().forEach(l -> l.onEpochStart(epoch + 1));
    double lossSum = 0;
    long correct = 0;
    long seen = 0;
    float lr = 0;
    int batchIndex = 0;
    long globalStep = epoch * stepsPerEpoch;
    // Feeds and fetches resolved once: a step then parses no names.
    Output<?> feed = output(feedName);
    Output<?> labels = output(ops.labels);
    Output<?> lrHead = output(ops.lrHead);
    Output<?> lrBackbone = output(ops.lrBackbone);
    Output<?> beta1Power = output(ops.beta1Power);
    Output<?> beta2Power = output(ops.beta2Power);
    Output<?> trainingFlag = target.trainingFlag() == null ? null : output(target.trainingFlag());
    Output<?> dropoutRate = target.head().dropoutRate() == null ? null : output(target.head().dropoutRate());
    Output<?> dropoutSeed = target.head().dropoutRate() == null ? null : output(target.head().dropoutSeed());
    Output<?> loss = output(ops.loss);
    Output<?> probabilities = output(target.head().probabilities());
    GraphOperation stepOp = target.graph().operationOrThrow(step);
    try (BatchIterator batches = stream.epoch(epoch); StepScalars scalars = new StepScalars(config.seed())) {
      while (batches.hasNext()) {
        try (Batch batch = batches.next()) {
          lr = (float) (config.learningRate() * config.schedule().factor(globalStep, totalSteps, stepsPerEpoch));
          long t = globalStep + 1;
          scalars.set(lr, (float) (lr * config.backboneLrMult()), (float) Math.pow(config.optimizer().beta1(), t),
              (float) Math.pow(config.optimizer().beta2(), t), target.head().dropoutRate() == null ? 0 : dropout(),
              globalStep);
          Session.Runner runner = target.session().runner()
              .feed(feed, batch.features()).feed(labels, batch.labels())
              .feed(lrHead, scalars.lrHead).feed(lrBackbone, scalars.lrBackbone)
              .feed(beta1Power, scalars.beta1Power).feed(beta2Power, scalars.beta2Power);
          if (trainingFlag != null) {
            runner.feed(trainingFlag, scalars.training);
          }
          if (dropoutRate != null) {
            runner.feed(dropoutRate, scalars.dropoutRate).feed(dropoutSeed, scalars.dropoutSeed);
          }
          runner.fetch(loss).fetch(probabilities).addTarget(stepOp);
          boolean trace = devices == null;
          if (trace) {
            runner.setOptions(TRACE);
          }
          try (Result result = trace ? runner.runAndFetchMetadata() : runner.run()) {
            if (trace) {
              devices = devicesOf(result.getMetadata().map(RunMetadata::getStepStats).orElse(null));
              log.info("Training runs on {}", devices.isEmpty() ? "a device TensorFlow did not name" : devices);
            }
            float lossValue = ((TFloat32) result.get(0)).getFloat();
            if (!Float.isFinite(lossValue)) {
              throw new GraftException("The training loss became " + lossValue + " at epoch " + (epoch + 1) + ", batch "
                  + (batchIndex + 1) + ". Training stopped; the weights are no longer usable. Lower --lr (now "
                  + config.learningRate() + "), check the data for NaN values, or use --label-smoothing.");
            }
            int n = batch.size();
            lossSum += (double) lossValue * n;
            correct += correctCount(result.get(1), batch, n);
            seen += n;
          }
          batchIndex++;
          globalStep++;
          final int b = batchIndex;
          final double runningLoss = lossSum / seen;
          final double runningAcc = (double) correct / seen;
          final long examples = seen;
          config.listeners().forEach(l -> l.onBatchEnd(epoch + 1, b, (int) examples, runningLoss, runningAcc));
        }
      }
    }
    if (seen == 0) {
      throw new GraftException("No training example of epoch " + (epoch + 1) + " could be read: every one was "
          + "skipped as unreadable. Check --data, or run without --skip-bad to see the first error.");
    }
    double trainSeconds = (System.nanoTime() - start) / 1e9;
    Metrics val = valStream == null ? null : evaluate(valStream, feedName);
    double seconds = (System.nanoTime() - start) / 1e9;
    return new EpochMetrics(epoch + 1, lossSum / seen, (double) correct / seen,
        val == null ? Double.NaN : val.loss(), val == null ? Double.NaN : val.accuracy(),
        val == null ? Double.NaN : val.topKAccuracy(), lr, seconds, seen / trainSeconds, trained.size());
  }

  private float dropout() {
    return target.dropout();
  }

  /**
   * The scalars every training step feeds, made once per epoch and rewritten in place before each step: a step
   * then allocates no tensors beyond its batch, and a long run makes little garbage.
   */
  private static final class StepScalars implements AutoCloseable {
    final TFloat32 lrHead = TFloat32.scalarOf(0);
    final TFloat32 lrBackbone = TFloat32.scalarOf(0);
    final TFloat32 beta1Power = TFloat32.scalarOf(0);
    final TFloat32 beta2Power = TFloat32.scalarOf(0);
    final TFloat32 dropoutRate = TFloat32.scalarOf(0);
    /** The stateless dropout's seed: the run's seed and the global step. */
    final TInt64 dropoutSeed;
    final TBool training = TBool.scalarOf(true);

    StepScalars(long seed) {
      dropoutSeed = TInt64.vectorOf(seed, 0);
    }

    void set(float lr, float backboneLr, float beta1Power, float beta2Power, float dropout, long globalStep) {
      lrHead.setFloat(lr);
      lrBackbone.setFloat(backboneLr);
      this.beta1Power.setFloat(beta1Power);
      this.beta2Power.setFloat(beta2Power);
      dropoutRate.setFloat(dropout);
      dropoutSeed.setLong(globalStep, 1);
    }

    @Override
    public void close() {
      for (Tensor t : new Tensor[] {lrHead, lrBackbone, beta1Power, beta2Power, dropoutRate, dropoutSeed, training}) {
        t.close();
      }
    }
  }

  private int correctCount(Tensor probabilities, Batch batch, int n) {
    int k = target.numClasses();
    float[] p = probabilitiesOf(probabilities, n);
    int correct = 0;
    for (int i = 0; i < n; i++) {
      int best = 0;
      for (int c = 1; c < k; c++) {
        if (p[i * k + c] > p[i * k + best]) {
          best = c;
        }
      }
      if (best == batch.label(i)) {
        correct++;
      }
    }
    return correct;
  }

  /** The probabilities of {@code n} examples, read into a buffer that every step reuses. */
  private float[] probabilitiesOf(Tensor probabilities, int n) {
    int length = n * target.numClasses();
    if (probabilityBuffer.length < length) {
      probabilityBuffer = new float[length];
    }
    probabilities.asRawTensor().data().asFloats().read(probabilityBuffer, 0, length);
    return probabilityBuffer;
  }

  /** The stream that evaluates {@code data}: in order, one for the whole run. */
  private BatchStream evalStream(LabeledData data) {
    return BatchStream.builder().setData(data).setBatchSize(BatchStream.forwardBatchSize(data)).optShuffle(false)
        .optSkipBad(config.skipBad()).build();
  }

  /** Metrics of the current weights on the examples of {@code stream} fed at {@code feedName} (no dropout). */
  private Metrics evaluate(BatchStream stream, String feedName) {
    Metrics metrics = new Metrics(target.numClasses(), config.topK());
    try (BatchIterator batches = stream.epoch(0)) {
      while (batches.hasNext()) {
        try (Batch batch = batches.next();
            Result result = target.session().runner().feed(feedName, batch.features())
                .fetch(target.head().probabilities()).run()) {
          metrics.add(probabilitiesOf(result.get(0), batch.size()), batch.labelArray(), batch.size());
        }
      }
    }
    return metrics;
  }

  /**
   * The backbone features of every example, computed in one pass, as in-memory data; examples skipped as
   * unreadable are left out.
   */
  private LabeledData features(LabeledData data) {
    long start = System.nanoTime();
    FeatureCache cache = new FeatureCache(data.size(), (int) target.featureSize());
    Output<?> input = output(target.input());
    Output<?> features = output(target.features());
    try (BatchStream stream = evalStream(data); BatchIterator batches = stream.epoch(0)) {
      while (batches.hasNext()) {
        try (Batch batch = batches.next();
            Result result = target.session().runner().feed(input, batch.features()).fetch(features).run()) {
          cache.put(batch, result.get(0));
        }
      }
    }
    log.info("Cached backbone features of {} examples in {} ms", cache.count(),
        (System.nanoTime() - start) / 1_000_000);
    return cache.toData(data);
  }
}
