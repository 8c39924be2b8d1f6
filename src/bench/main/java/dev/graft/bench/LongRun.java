package dev.graft.bench;

import dev.graft.GraftModel;
import dev.graft.data.view.Splits;
import dev.graft.train.EpochMetrics;
import dev.graft.train.TrainResult;
import dev.graft.train.TrainingListener;
import java.lang.management.ManagementFactory;
import java.nio.file.Path;

/**
 * (6) A long head-only run in a fresh JVM, as a user's {@code train()} call: 90% of the training examples with a
 * 10% validation split, the feature cache on. Reports VmRSS after every epoch and VmHWM at the end through
 * {@code RESULT key=value} lines, with the Java heap's committed size after every epoch.
 *
 * <p>Arguments: model folder, thread setting {@code INTRA,INTER}, epochs.
 */
public final class LongRun {

  /** JVM options of the diagnostic runs that keep the Java heap's resident size constant. */
  static final String FIXED_HEAP_ARGS = "-Xms1g -Xmx1g -XX:+AlwaysPreTouch";

  private LongRun() {}

  public static void main(String[] args) {
    Path modelDir = Path.of(args[0]);
    ThreadSetting threads = ThreadSetting.parse(args[1]);
    int epochs = Integer.parseInt(args[2]);
    BenchData data = BenchData.open();
    Splits.Split split = Splits.stratified(data.train(), 0.1, GraftRuns.SEED);
    ChildJvm.result("rss.start", String.valueOf(Rss.current()));
    GraftRuns runs = new GraftRuns(modelDir, data, epochs, 0, 0, java.util.List.of());
    try (GraftModel model = runs.load(threads)) {
      model.replaceHead(GraftRuns.headSpec());
      ChildJvm.result("rss.loaded", String.valueOf(Rss.current()));
      TrainResult result = model.train(split.train(), split.val(), GraftRuns.config(epochs, "head")
          .addListener(new TrainingListener() {
            @Override
            public void onEpochEnd(EpochMetrics metrics) {
              ChildJvm.result("rss.epoch" + metrics.epoch(), String.valueOf(Rss.current()));
              ChildJvm.result("heap.epoch" + metrics.epoch(),
                  String.valueOf(ManagementFactory.getMemoryMXBean().getHeapMemoryUsage().getCommitted()));
              ChildJvm.result("seconds.epoch" + metrics.epoch(), String.valueOf(metrics.seconds()));
            }
          }).build());
      ChildJvm.result("val_acc", String.valueOf(result.validation().accuracy()));
      ChildJvm.result("examples", String.valueOf(split.train().size()));
    }
    ChildJvm.result("rss.peak", String.valueOf(Rss.peak()));
  }
}
