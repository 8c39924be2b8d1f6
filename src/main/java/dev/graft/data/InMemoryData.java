package dev.graft.data;

import java.util.List;

/** Examples held in one float array. */
final class InMemoryData implements LabeledData {

  private final float[] values;
  private final long[] shape;
  private final int exampleSize;
  private final int[] labels;
  private final List<String> classNames;

  InMemoryData(float[] values, long[] shape, int[] labels, List<String> classNames) {
    this.values = values;
    this.shape = shape.clone();
    this.exampleSize = Math.toIntExact(LabeledDatas.product(shape));
    this.labels = labels;
    this.classNames = List.copyOf(classNames);
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
  public int size() {
    return labels.length;
  }

  @Override
  public long[] exampleShape() {
    return shape.clone();
  }

  @Override
  public ExampleKind kind() {
    return ExampleKind.FLOAT;
  }

  @Override
  public List<String> classNames() {
    return classNames;
  }

  @Override
  public int label(int index) {
    return labels[index];
  }

  @Override
  public void readFloats(int index, float[] dst, int offset) {
    System.arraycopy(values, index * exampleSize, dst, offset, exampleSize);
  }

  @Override
  public String describe() {
    return "in-memory data";
  }
}
