package dev.graft.bench;

import java.util.Arrays;

/** Small numeric helpers of the benchmark. */
final class Stats {

  private Stats() {}

  static double median(double[] values) {
    if (values.length == 0) {
      throw new IllegalArgumentException("No values to take the median of");
    }
    double[] sorted = values.clone();
    Arrays.sort(sorted);
    int m = sorted.length / 2;
    return sorted.length % 2 == 1 ? sorted[m] : (sorted[m - 1] + sorted[m]) / 2;
  }
}
