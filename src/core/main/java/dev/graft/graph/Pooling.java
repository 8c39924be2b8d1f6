package dev.graft.graph;

import dev.graft.error.SettingException;
import java.util.Locale;
import java.util.Map;
import org.tensorflow.Operand;
import org.tensorflow.ndarray.Shape;
import org.tensorflow.op.Ops;
import org.tensorflow.types.TFloat32;

/**
 * How a cut tensor becomes one feature vector per example: a feature map {@code [N, H, W, C]} is averaged or
 * maxed over its positions (as Keras {@code pooling="avg"} / {@code "max"}) or flattened; a sequence
 * {@code [N, T, C]} is pooled over its steps; a vector {@code [N, F]} is used as it is.
 *
 * <pre>{@code
 * Operand<TFloat32> features = Pooling.AVG.apply(tf, featureMap);   // [N, C]
 * long size = Pooling.AVG.featureSize(featureMap.shape());          // C
 * }</pre>
 */
public enum Pooling {
  /** Mean over the positions of a map (the default, as Keras {@code pooling="avg"}). */
  AVG,
  /** Maximum over the positions of a map. */
  MAX,
  /** Every value of the map, in row-major order. */
  FLATTEN;

  /** Parses {@code avg}, {@code max} or {@code flatten}. */
  public static Pooling parse(String text) {
    try {
      return valueOf(text.trim().toUpperCase(Locale.ROOT));
    } catch (IllegalArgumentException e) {
      SettingException unknown = new SettingException("GraftModel", Map.of("pooling", "withPooling"),
          "Unknown {pooling} '" + text + "'; use avg, max or flatten");
      unknown.initCause(e);
      throw unknown;
    }
  }

  /**
   * Features per example that this pooling makes of a tensor of {@code shape} (batch first).
   *
   * @throws IllegalArgumentException when the shape has an unknown rank, rank below 2, or an unknown size that the
   *     feature vector would depend on
   */
  public long featureSize(Shape shape) {
    if (shape.isUnknown() || shape.numDimensions() < 2) {
      throw new IllegalArgumentException("A cut tensor needs a batch of feature vectors [N, features] or maps "
          + "[N, H, W, C]; this one has shape " + shape);
    }
    int rank = shape.numDimensions();
    if (rank == 2 || this == FLATTEN) {
      long size = 1;
      for (int d = 1; d < rank; d++) {
        size = Math.multiplyExact(size, known(shape, d));
      }
      return size;
    }
    return known(shape, rank - 1);
  }

  /** Whether a tensor of {@code shape} has positions to pool over: false for vectors and for 1x1 maps. */
  public static boolean hasPositions(Shape shape) {
    int rank = shape.numDimensions();
    if (rank <= 2) {
      return false;
    }
    for (int d = 1; d < rank - 1; d++) {
      if (shape.size(d) != 1) {
        return true;
      }
    }
    return false;
  }

  /**
   * The pooled features {@code [N, featureSize]} of {@code x}, built with {@code tf}: {@code x} itself for a
   * vector, a mean or max over every axis between the batch and the channels, or a reshape.
   */
  public Operand<TFloat32> apply(Ops tf, Operand<TFloat32> x) {
    Shape shape = x.shape();
    long size = featureSize(shape);
    int rank = shape.numDimensions();
    if (rank == 2) {
      return x;
    }
    if (this == FLATTEN || !hasPositions(shape)) {
      return tf.withName("flatten").reshape(x, tf.constant(new long[] {-1, size}));
    }
    int[] axes = new int[rank - 2];
    for (int d = 1; d < rank - 1; d++) {
      axes[d - 1] = d;
    }
    return this == AVG ? tf.withName("avg_pool").math.mean(x, tf.constant(axes))
        : tf.withName("max_pool").max(x, tf.constant(axes));
  }

  /** {@code avg}, {@code max} or {@code flatten}, as {@link #parse} reads it. */
  @Override
  public String toString() {
    return name().toLowerCase(Locale.ROOT);
  }

  private static long known(Shape shape, int d) {
    long size = shape.size(d);
    if (size < 0) {
      throw new IllegalArgumentException("A cut tensor of shape " + shape + " has an unknown size in dimension " + d
          + "; choose a tensor whose sizes past the batch are known");
    }
    return size;
  }

}
