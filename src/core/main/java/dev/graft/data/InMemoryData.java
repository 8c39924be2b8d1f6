package dev.graft.data;

import java.util.List;

/** Examples held in one float array. */
final class InMemoryData extends AbstractLabeledData {

  private final float[] values;
  private final int exampleSize;

  InMemoryData(float[] values, long[] shape, int[] labels, List<String> classNames) {
    super("in-memory data", shape, ExampleKind.FLOAT, classNames, labels, List.of());
    this.values = values;
    this.exampleSize = Math.toIntExact(LabeledDatas.product(shape));
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
}
