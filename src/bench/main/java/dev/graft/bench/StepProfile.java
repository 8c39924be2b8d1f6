package dev.graft.bench;

import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.TreeMap;
import java.util.function.Supplier;
import org.tensorflow.Result;
import org.tensorflow.Session;
import org.tensorflow.proto.DeviceStepStats;
import org.tensorflow.proto.NodeExecStats;
import org.tensorflow.proto.RunMetadata;
import org.tensorflow.proto.RunOptions;

/**
 * TensorFlow's own step statistics (RunOptions FULL_TRACE, RunMetadata.step_stats) of a few steps: the time each
 * kind of op took, and the wall time of a traced step. Tracing slows a step down; the shares are what count.
 *
 * @param wallMsPerStep wall time of one traced {@code Session.run}
 * @param opMsPerStep summed op time per step (on several threads it can exceed the wall time)
 * @param msPerStepByType op time per step by op type, largest first
 */
record StepProfile(double wallMsPerStep, double opMsPerStep, Map<String, Double> msPerStepByType) {

  /** Runs {@code steps} traced steps made by {@code runner} (after {@code warmup} untraced ones). */
  static StepProfile of(Supplier<Session.Runner> runner, int warmup, int steps) {
    for (int i = 0; i < warmup; i++) {
      try (Result r = runner.get().run()) {
        r.size();
      }
    }
    RunOptions trace = RunOptions.newBuilder().setTraceLevel(RunOptions.TraceLevel.FULL_TRACE).build();
    Map<String, Double> micros = new TreeMap<>();
    long wall = 0;
    for (int i = 0; i < steps; i++) {
      long start = System.nanoTime();
      try (Result r = runner.get().setOptions(trace).runAndFetchMetadata()) {
        wall += System.nanoTime() - start;
        RunMetadata meta = r.getMetadata().orElseThrow(() -> new IllegalStateException("No RunMetadata returned"));
        for (DeviceStepStats device : meta.getStepStats().getDevStatsList()) {
          for (NodeExecStats node : device.getNodeStatsList()) {
            micros.merge(opType(node), (double) node.getAllEndRelMicros(), Double::sum);
          }
        }
      }
    }
    double total = micros.values().stream().mapToDouble(Double::doubleValue).sum();
    Map<String, Double> byType = new LinkedHashMap<>();
    micros.entrySet().stream().sorted(Map.Entry.<String, Double>comparingByValue().reversed())
        .forEach(e -> byType.put(e.getKey(), e.getValue() / 1000 / steps));
    return new StepProfile(wall / 1e6 / steps, total / 1000 / steps, byType);
  }

  /** The op type from a timeline label {@code "name = Type(inputs)"}, or the node name. */
  private static String opType(NodeExecStats node) {
    String label = node.getTimelineLabel();
    int eq = label.indexOf(" = ");
    int paren = label.indexOf('(', Math.max(eq, 0));
    if (eq >= 0 && paren > eq) {
      return label.substring(eq + 3, paren);
    }
    return node.getNodeName().isEmpty() ? "?" : node.getNodeName();
  }

  /** The {@code n} largest op types as {@code "Type 1.23 ms (45%)"}. */
  String top(int n) {
    double total = opMsPerStep;
    List<String> parts = new java.util.ArrayList<>();
    for (Map.Entry<String, Double> e : msPerStepByType.entrySet()) {
      if (parts.size() == n) {
        break;
      }
      parts.add(String.format(java.util.Locale.ROOT, "%s %.2f ms (%.0f%%)", e.getKey(), e.getValue(),
          100 * e.getValue() / total));
    }
    return String.join(", ", parts);
  }
}
