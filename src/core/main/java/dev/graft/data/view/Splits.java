package dev.graft.data.view;

import dev.graft.data.LabeledData;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import java.util.SplittableRandom;

/**
 * Splits data into training and validation parts.
 *
 * <pre>{@code
 * Splits.Split split = Splits.stratified(data, 0.1, 42);
 * }</pre>
 */
public final class Splits {

  /**
   * A training part and a validation part of the same data.
   *
   * @param train the examples to train on
   * @param val the examples held out for validation
   */
  public record Split(LabeledData train, LabeledData val) {}

  private Splits() {}

  /**
   * Holds out about {@code valFraction} of each class (rounded, leaving at least one example of each class in
   * training), picked at random from {@code seed}; the same seed gives the same split.
   *
   * @throws IllegalArgumentException if {@code valFraction} is outside [0, 1)
   */
  public static Split stratified(LabeledData data, double valFraction, long seed) {
    if (!(valFraction >= 0 && valFraction < 1)) {
      throw new IllegalArgumentException("Validation fraction " + valFraction + " is outside [0, 1); pass e.g. 0.1 for"
          + " 10% of each class");
    }
    int classes = data.classNames().size();
    List<List<Integer>> byClass = new ArrayList<>();
    for (int c = 0; c < classes; c++) {
      byClass.add(new ArrayList<>());
    }
    for (int i = 0; i < data.size(); i++) {
      byClass.get(data.label(i)).add(i);
    }
    SplittableRandom rng = new SplittableRandom(seed);
    int[] train = new int[data.size()];
    int[] val = new int[data.size()];
    int nt = 0;
    int nv = 0;
    for (List<Integer> members : byClass) {
      int[] idx = members.stream().mapToInt(Integer::intValue).toArray();
      for (int i = idx.length - 1; i > 0; i--) {
        int j = rng.nextInt(i + 1);
        int t = idx[i];
        idx[i] = idx[j];
        idx[j] = t;
      }
      int held = (int) Math.min(Math.round(idx.length * valFraction), Math.max(idx.length - 1, 0));
      for (int i = 0; i < idx.length; i++) {
        if (i < held) {
          val[nv++] = idx[i];
        } else {
          train[nt++] = idx[i];
        }
      }
    }
    int[] t = Arrays.copyOf(train, nt);
    int[] v = Arrays.copyOf(val, nv);
    Arrays.sort(t);
    Arrays.sort(v);
    return new Split(LabeledDatas.subset(data, t), LabeledDatas.subset(data, v));
  }
}
