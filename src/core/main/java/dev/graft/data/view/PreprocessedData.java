package dev.graft.data.view;

import dev.graft.data.LabeledData;
import dev.graft.data.transform.Preprocessing;

/** A view of float data with a {@link Preprocessing} applied to every example as it is read. */
final class PreprocessedData extends ForwardingLabeledData {

  private final Preprocessing preprocessing;
  private final int channels;

  PreprocessedData(LabeledData data, Preprocessing preprocessing) {
    super(data);
    this.preprocessing = preprocessing;
    long[] shape = data.exampleShape();
    this.channels = shape.length == 0 ? 1 : (int) shape[shape.length - 1];
  }

  @Override
  public void readFloats(int index, float[] dst, int offset) {
    super.readFloats(index, dst, offset);
    preprocessing.apply(dst, offset, (int) LabeledDatas.exampleSize(delegate()), channels);
  }

  /** Refuses, as for any float data: the raw bytes underneath would not be the scaled example. */
  @Override
  public byte[] readBytes(int index) {
    throw new UnsupportedOperationException(
        "This data holds " + kind() + " examples, not byte strings; call readFloats instead");
  }

  @Override
  public String describe() {
    return super.describe() + " scaled " + preprocessing;
  }
}
