package dev.graft.bench;

import dev.graft.GraftModel;
import dev.graft.data.LabeledData;
import dev.graft.train.FreezePolicy;
import dev.graft.train.TrainingListener;
import java.util.concurrent.atomic.AtomicBoolean;
import java.util.concurrent.atomic.AtomicLong;

/**
 * The process's resident memory through an {@code all} fine-tune of one backbone, step by step: after each step and
 * the highest of a 5 ms sampling during it. Not part of the benchmark's run; for telling what the peak RSS row of
 * the Keras comparison is made of (whether memory stays between steps, which TensorFlow's kernels hold it). The
 * model is loaded and trained with {@link BackboneRun}'s settings.
 *
 * <pre>
 * java -cp "src/bench/target/classes:..." dev.graft.bench.StepMemory target/python-fixtures \
 *     ../shared/datasets/chest-xray-224 efficientnet_b0 96 2
 * </pre>
 *
 * <p>Run it with {@code TF_ENABLE_ONEDNN_OPTS=1} and {@code =0} to compare TensorFlow's oneDNN and Eigen kernels.
 */
public final class StepMemory {

  private StepMemory() {}

  public static void main(String[] args) throws InterruptedException {
    BackboneProbe probe = BackboneProbe.parse(args, "StepMemory FIXTURES XRAY_FOLDER MODEL IMAGES EPOCHS");
    LabeledData tune = probe.images();
    AtomicLong highest = new AtomicLong();
    AtomicBoolean done = new AtomicBoolean();
    Thread sampler = new Thread(() -> {
      while (!done.get()) {
        highest.accumulateAndGet(Rss.current(), Math::max);
        try {
          Thread.sleep(5);
        } catch (InterruptedException e) {
          return;
        }
      }
    }, "rss-sampler");
    sampler.setDaemon(true);
    sampler.start();
    System.out.println("TF_ENABLE_ONEDNN_OPTS=" + System.getenv("TF_ENABLE_ONEDNN_OPTS") + ", "
        + probe.backbone().name() + ", all fine-tune, batch 32, " + tune.size() + " images");
    try (GraftModel model = probe.load()) {
      report("loaded", highest);
      TrainingListener steps = new TrainingListener() {
        @Override
        public void onTrainStart(int epochs, int batchesPerEpoch) {
          report("training graph built, heap collected", highest);
        }

        @Override
        public void onBatchEnd(int epoch, int batch, int examples, double runningLoss, double runningAccuracy) {
          report("epoch " + epoch + " step " + batch, highest);
        }
      };
      // the benchmark's own settings of an all fine-tune
      model.train(tune, null, BackboneRun.config(probe.count(), 32, FreezePolicy.all(),
          GraftRuns.LEARNING_RATE).addListener(steps).build());
    }
    done.set(true);
    sampler.join();
    System.out.println("peak RSS of the process (VmHWM) " + Rss.mib(Rss.peak()));
  }

  private static void report(String when, AtomicLong highest) {
    System.out.println(String.format("%-40s RSS %s, highest since the line before %s", when, Rss.mib(Rss.current()),
        Rss.mib(highest.getAndSet(0))));
  }
}
