package dev.graft;

import dev.graft.data.ExampleKind;
import dev.graft.data.LabeledData;
import dev.graft.data.Preprocessing;
import java.util.List;

/** A view of float data with a {@link Preprocessing} applied to every example as it is read. */
final class PreprocessedData implements LabeledData {

  private final LabeledData data;
  private final Preprocessing preprocessing;
  private final int channels;

  private PreprocessedData(LabeledData data, Preprocessing preprocessing) {
    this.data = data;
    this.preprocessing = preprocessing;
    long[] shape = data.exampleShape();
    this.channels = shape.length == 0 ? 1 : (int) shape[shape.length - 1];
  }

  /** The data itself when nothing needs scaling (strings, or preprocessing none), else a scaling view. */
  static LabeledData of(LabeledData data, Preprocessing preprocessing) {
    if (data == null || data.kind() != ExampleKind.FLOAT || preprocessing.mode() == Preprocessing.Mode.NONE) {
      return data;
    }
    return new PreprocessedData(data, preprocessing);
  }

  @Override
  public int size() {
    return data.size();
  }

  @Override
  public long[] exampleShape() {
    return data.exampleShape();
  }

  @Override
  public ExampleKind kind() {
    return data.kind();
  }

  @Override
  public List<String> classNames() {
    return data.classNames();
  }

  @Override
  public int label(int index) {
    return data.label(index);
  }

  @Override
  public void readFloats(int index, float[] dst, int offset) {
    data.readFloats(index, dst, offset);
    float[] scale = preprocessing.scale(channels);
    float[] shift = preprocessing.offset(channels);
    long size = 1;
    for (long d : data.exampleShape()) {
      size *= d;
    }
    for (int i = 0; i < size; i++) {
      int c = i % channels;
      dst[offset + i] = dst[offset + i] * scale[c] + shift[c];
    }
  }

  @Override
  public List<dev.graft.data.SkippedItem> skippedItems() {
    return data.skippedItems();
  }

  @Override
  public String describe() {
    return data.describe() + " scaled " + preprocessing;
  }
}
