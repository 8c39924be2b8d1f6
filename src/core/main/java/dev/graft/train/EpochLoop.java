package dev.graft.train;

import dev.graft.error.DataException;
import dev.graft.error.GraftException;
import dev.graft.data.batch.Batch;
import dev.graft.data.batch.BatchIterator;
import dev.graft.data.batch.BatchStream;
import dev.graft.feature.ForwardPass;
import java.util.LinkedHashMap;
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

/** Runs the optimizer steps of one epoch and evaluates the head, for a {@link Trainer}. */
final class EpochLoop {

  private static final Logger log = LoggerFactory.getLogger(EpochLoop.class);
  /** The first step's options: TensorFlow records which device ran each op (no GPU profiler needed). */
  private static final RunOptions TRACE =
      RunOptions.newBuilder().setTraceLevel(RunOptions.TraceLevel.SOFTWARE_TRACE).build();
  private static final Pattern DEVICE = Pattern.compile("device:([A-Za-z_]+:\\d+)");

  /**
   * Where an epoch stands in its phase.
   *
   * @param epoch the epoch, 0-based over the whole run
   * @param phaseStep optimizer steps of the phase before this epoch
   * @param phaseSteps optimizer steps the phase makes at most
   * @param stepsPerEpoch optimizer steps of one epoch
   * @param phase the phase
   */
  record Position(int epoch, long phaseStep, long phaseSteps, long stepsPerEpoch, TrainPlan.Phase phase) {}

  private final TrainTarget target;
  private final TrainConfig config;
  private final TrainingGraph ops;
  private float[] probabilityBuffer = new float[0];
  /** The devices the first training step ran on; null until it ran. */
  private List<String> devices;

  EpochLoop(TrainTarget target, TrainConfig config, TrainingGraph ops) {
    this.target = target;
    this.config = config;
    this.ops = ops;
  }

  /** The devices the first step ran on, busiest first; empty before it ran. */
  List<String> devices() {
    return devices == null ? List.of() : devices;
  }

  /** The output {@code ref} names: {@code op:index}, or {@code op} for its first output. */
  private Output<?> output(String ref) {
    return target.graph().outputOrThrow(ref);
  }

  /**
   * Trains {@code trained} for one epoch of {@code stream} fed at {@code feedName}, then evaluates on
   * {@code valStream} (may be null).
   *
   * @param extraSeconds time spent for this epoch before it started (the feature pass of a phase's first epoch)
   */
  EpochMetrics run(BatchStream stream, Position at, Set<String> trained, String feedName, BatchStream valStream,
      double extraSeconds) {
    int epoch = at.epoch();
    long start = System.nanoTime() - (long) (extraSeconds * 1e9);
    String step = ops.stepTarget(trained, target.stateUpdates());
    config.listeners().forEach(l -> l.onEpochStart(epoch + 1));
    double lossSum = 0;
    long correct = 0;
    long seen = 0;
    float lr = 0;
    int batchIndex = 0;
    long phaseStep = at.phaseStep();
    long globalStep = (long) epoch * at.stepsPerEpoch();
    boolean backboneTrains = at.phase().freeze().kind() != FreezePolicy.Kind.HEAD;
    // Feeds and fetches resolved once: a step then parses no names.
    Output<?> feed = output(feedName);
    Output<?> labels = output(ops.labels);
    Output<?> lrHead = output(ops.lrHead);
    Output<?> lrBackbone = output(ops.lrBackbone);
    Output<?> beta1Power = output(ops.beta1Power);
    Output<?> beta2Power = output(ops.beta2Power);
    Output<?> trainingFlag = target.trainingFlag() == null || !backboneTrains ? null : output(target.trainingFlag());
    Output<?> dropoutRate = target.head().dropoutRate() == null ? null : output(target.head().dropoutRate());
    Output<?> dropoutSeed = target.head().dropoutRate() == null ? null : output(target.head().dropoutSeed());
    Output<?> loss = output(ops.loss);
    Output<?> probabilities = output(target.head().probabilities());
    GraphOperation stepOp = target.graph().operationOrThrow(step);
    // Adam's bias corrections (fed every step; other optimizers ignore them)
    double beta1 = config.optimizer().moments().map(OptimizerSpec.Adam::beta1).orElse(0f);
    double beta2 = config.optimizer().moments().map(OptimizerSpec.Adam::beta2).orElse(0f);
    try (BatchIterator batches = stream.epoch(epoch); StepScalars scalars = new StepScalars(config.seed())) {
      while (batches.hasNext()) {
        try (Batch batch = batches.next()) {
          double factor = config.schedule().factor(phaseStep, at.phaseSteps(), at.stepsPerEpoch());
          lr = (float) (at.phase().headLr() * factor);
          long t = phaseStep + 1;
          scalars.set(lr, (float) (at.phase().backboneLr() * factor), (float) Math.pow(beta1, t),
              (float) Math.pow(beta2, t), target.head().dropoutRate() == null ? 0 : target.dropout(), globalStep);
          Session.Runner runner = target.model().runner()
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
              throw new GraftException(TrainConfig.message("The training loss became " + lossValue + " at epoch "
                  + (epoch + 1) + ", batch " + (batchIndex + 1) + ". Training stopped; the weights are no longer "
                  + "usable. Lower {learningRate} (now " + lr + "), check the data for NaN values, or use "
                  + "{labelSmoothing}."));
            }
            int n = batch.size();
            lossSum += (double) lossValue * n;
            correct += correctCount(result.get(1), batch, n);
            seen += n;
          }
          batchIndex++;
          phaseStep++;
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
      throw new GraftException(TrainConfig.message("No training example of epoch " + (epoch + 1) + " could be read: "
          + "every one was skipped as unreadable. Check {data}, or run without {skipBad} to see the first error.")
          .and(DataException.SETTINGS));
    }
    double trainSeconds = (System.nanoTime() - start) / 1e9;
    Metrics val = valStream == null ? null : evaluate(valStream, feedName);
    double seconds = (System.nanoTime() - start) / 1e9;
    return new EpochMetrics(epoch + 1, lossSum / seen, (double) correct / seen,
        val == null ? Double.NaN : val.loss(), val == null ? Double.NaN : val.accuracy(),
        val == null ? Double.NaN : val.topKAccuracy(), lr, seconds, seen / trainSeconds, trained.size());
  }

  /** Metrics of the current weights on the examples of {@code stream} fed at {@code feedName} (no dropout). */
  Metrics evaluate(BatchStream stream, String feedName) {
    Metrics metrics = new Metrics(target.numClasses(), config.topK());
    new ForwardPass(target.model().session(), output(feedName), output(target.head().probabilities()), target.numClasses())
        .run(stream, (p, batch) -> metrics.add(p, batch.labelArray(), batch.size()));
    return metrics;
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
}
