package dev.graft.data.view;

import dev.graft.data.LabeledData;
import java.util.List;

/** A view of some examples of another data set, optionally relabelled. */
final class ViewData extends ForwardingLabeledData {

  private final int[] indices;
  private final int[] labelMap;
  private final List<String> classNames;

  /** Creates a view of {@code base} at {@code indices}; {@code labelMap} (nullable) maps base labels to new ones. */
  ViewData(LabeledData base, int[] indices, int[] labelMap, List<String> classNames) {
    super(base);
    this.indices = indices;
    this.labelMap = labelMap;
    this.classNames = List.copyOf(classNames);
  }

  LabeledData base() {
    return delegate();
  }

  int baseIndex(int index) {
    return indices[index];
  }

  int[] labelMap() {
    return labelMap;
  }

  @Override
  public int size() {
    return indices.length;
  }

  @Override
  public List<String> classNames() {
    return classNames;
  }

  @Override
  public int label(int index) {
    int l = delegate().label(indices[index]);
    return labelMap == null ? l : labelMap[l];
  }

  @Override
  public void readFloats(int index, float[] dst, int offset) {
    delegate().readFloats(indices[index], dst, offset);
  }

  @Override
  public String exampleName(int index) {
    return delegate().exampleName(indices[index]);
  }

  @Override
  public byte[] readBytes(int index) {
    return delegate().readBytes(indices[index]);
  }
}
