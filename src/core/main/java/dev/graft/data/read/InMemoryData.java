package dev.graft.data.read;

import dev.graft.data.ExampleKind;
import dev.graft.data.LabeledData;
import java.util.List;

/**
 * Examples held in one float array.
 *
 * <pre>{@code
 * LabeledData data = InMemoryData.of(new float[] {0, 1, 2, 3}, new long[] {2}, new int[] {0, 1}, List.of("a", "b"));
 * }</pre>
 */
public final class InMemoryData extends AbstractLabeledData {

  private final float[] values;
  private final int exampleSize;

  /** Data held in memory: {@code values} holds {@code labels.length} examples of {@code shape}, back to back. */
  public static LabeledData of(float[] values, long[] shape, int[] labels, List<String> classNames) {
    return new InMemoryData(values, shape, labels.clone(), classNames);
  }

  private InMemoryData(float[] values, long[] shape, int[] labels, List<String> classNames) {
    super("in-memory data", shape, ExampleKind.FLOAT, classNames, labels, List.of());
    this.values = values;
    this.exampleSize = Math.toIntExact(product(shape));
    if ((long) exampleSize * labels.length != values.length) {
      throw new IllegalArgumentException(labels.length + " labels of " + exampleSize + " values each need "
          + (long) exampleSize * labels.length + " values, got " + values.length);
    }
    for (int i = 0; i < labels.length; i++) {
      if (labels[i] < 0 || labels[i] >= classNames.size()) {
        throw new IllegalArgumentException("Label " + labels[i] + " of example " + i + " is outside 0.."
            + (classNames.size() - 1) + "; give a class name for every label");
      }
    }
  }

  @Override
  public void readFloats(int index, float[] dst, int offset) {
    System.arraycopy(values, index * exampleSize, dst, offset, exampleSize);
  }

  private static long product(long[] shape) {
    long p = 1;
    for (long d : shape) {
      p *= d;
    }
    return p;
  }
}
