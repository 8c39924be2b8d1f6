package dev.graft.bench;

import dev.graft.GraftModel;
import dev.graft.data.LabeledData;
import dev.graft.train.EpochMetrics;
import dev.graft.train.FreezePolicy;
import dev.graft.train.TrainingListener;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.file.DirectoryStream;
import java.nio.file.Files;
import java.nio.file.NoSuchFileException;
import java.nio.file.Path;
import java.util.Map;
import java.util.TreeMap;
import java.util.concurrent.atomic.AtomicReference;

/**
 * The CPU time of the benchmark's inference row (the feature pass of head-only epoch 1) by thread: the JVM's JIT
 * compilers, its garbage collector, and the rest (the batch threads and TensorFlow's, which Linux names after the
 * process). Each round loads the model afresh in the same JVM, so the first round's one-time costs (the JIT compiling
 * the pass's Java code, TensorFlow's first graph optimisation) show against the later rounds'. Not part of the
 * benchmark's run; the model is loaded and trained with {@link BackboneRun}'s settings.
 *
 * <pre>
 * java -cp "src/bench/target/classes:..." dev.graft.bench.FeaturePassCpu target/python-fixtures \
 *     ../shared/datasets/chest-xray-224 mobilenet_v1_025_pooled 1024 3
 * </pre>
 */
public final class FeaturePassCpu {

  /** Linux counts thread CPU time in clock ticks of 10 ms ({@code USER_HZ}, 100 on every Linux Graft runs on). */
  private static final double SECONDS_PER_TICK = 0.01;

  private FeaturePassCpu() {}

  public static void main(String[] args) {
    BackboneProbe probe = BackboneProbe.parse(args, "FeaturePassCpu FIXTURES XRAY_FOLDER MODEL IMAGES ROUNDS");
    LabeledData train = probe.images();
    int rounds = probe.count();
    System.out.println(probe.backbone().name() + ", feature pass of head-only epoch 1 over " + train.size()
        + " images, threads 2,1, " + rounds + " rounds in one JVM");
    for (int round = 1; round <= rounds; round++) {
      try (GraftModel model = probe.load()) {
        Map<String, Long> before = ticksByThreadGroup();
        AtomicReference<Map<String, Long>> atFirstEpochEnd = new AtomicReference<>();
        double[] firstEpochSeconds = new double[1];
        TrainingListener firstEpoch = new TrainingListener() {
          @Override
          public void onEpochEnd(EpochMetrics metrics) {
            if (metrics.epoch() == 1) {
              atFirstEpochEnd.set(ticksByThreadGroup());
              firstEpochSeconds[0] = metrics.seconds();
            }
          }
        };
        // epoch 2 runs on the cache, so epoch 1 is the feature pass and one cached epoch (a few ms)
        model.train(train, null, BackboneRun.config(2, 32, FreezePolicy.head(), BackboneRun.HEAD_LEARNING_RATE)
            .addListener(firstEpoch).build());
        report(round, train.size(), firstEpochSeconds[0], before, atFirstEpochEnd.get());
      }
    }
  }

  private static void report(int round, int images, double seconds, Map<String, Long> before,
      Map<String, Long> after) {
    StringBuilder groups = new StringBuilder();
    long total = 0;
    for (Map.Entry<String, Long> group : after.entrySet()) {
      long ticks = group.getValue() - before.getOrDefault(group.getKey(), 0L);
      total += ticks;
      if (ticks > 0) {
        groups.append(String.format(", %s %.2f s", group.getKey(), ticks * SECONDS_PER_TICK));
      }
    }
    System.out.println(String.format("round %d: %.3f s wall, %.0f images/s; CPU %.2f s = %.2f ms per image%s", round,
        seconds, images / seconds, total * SECONDS_PER_TICK, total * SECONDS_PER_TICK * 1000 / images, groups));
  }

  /**
   * CPU ticks (user + system) of this process's threads so far, summed by group: the JIT compilers, the garbage
   * collector, the rest. Threads that ended are not counted; the pass's threads all live to the epoch's end.
   */
  private static Map<String, Long> ticksByThreadGroup() {
    Map<String, Long> ticks = new TreeMap<>();
    try (DirectoryStream<Path> threads = Files.newDirectoryStream(Path.of("/proc/self/task"))) {
      for (Path thread : threads) {
        String stat;
        try {
          stat = Files.readString(thread.resolve("stat"));
        } catch (NoSuchFileException ended) {
          continue;
        }
        // fields after "pid (name) ": state is the first; utime and stime are the 12th and 13th
        int nameEnd = stat.lastIndexOf(')');
        String name = stat.substring(stat.indexOf('(') + 1, nameEnd);
        String[] fields = stat.substring(nameEnd + 2).split(" ");
        ticks.merge(group(name), Long.parseLong(fields[11]) + Long.parseLong(fields[12]), Long::sum);
      }
    } catch (IOException e) {
      throw new UncheckedIOException("Cannot read /proc/self/task (the benchmark measures on Linux only)", e);
    }
    return ticks;
  }

  private static String group(String threadName) {
    if (threadName.startsWith("C1 Compiler") || threadName.startsWith("C2 Compiler")) {
      return "JIT compilers";
    }
    if (threadName.startsWith("GC Thread") || threadName.startsWith("G1 ")) {
      return "garbage collector";
    }
    return "the rest";
  }
}
