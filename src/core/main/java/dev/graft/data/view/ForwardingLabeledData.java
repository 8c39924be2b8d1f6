package dev.graft.data.view;

import dev.graft.data.ExampleKind;
import dev.graft.data.LabeledData;
import dev.graft.data.SkippedItem;
import java.util.List;

/** A {@link LabeledData} that passes every call to another; a view overrides only what it changes. */
abstract class ForwardingLabeledData implements LabeledData {

  private final LabeledData delegate;

  ForwardingLabeledData(LabeledData delegate) {
    this.delegate = delegate;
  }

  /** The data this one passes calls to. */
  final LabeledData delegate() {
    return delegate;
  }

  @Override
  public int size() {
    return delegate.size();
  }

  @Override
  public long[] exampleShape() {
    return delegate.exampleShape();
  }

  @Override
  public ExampleKind kind() {
    return delegate.kind();
  }

  @Override
  public List<String> classNames() {
    return delegate.classNames();
  }

  @Override
  public boolean pixelValues() {
    return delegate.pixelValues();
  }

  @Override
  public int label(int index) {
    return delegate.label(index);
  }

  @Override
  public void readFloats(int index, float[] dst, int offset) {
    delegate.readFloats(index, dst, offset);
  }

  @Override
  public byte[] readBytes(int index) {
    return delegate.readBytes(index);
  }

  @Override
  public int skipped() {
    return delegate.skipped();
  }

  @Override
  public List<SkippedItem> skippedItems() {
    return delegate.skippedItems();
  }

  @Override
  public String exampleName(int index) {
    return delegate.exampleName(index);
  }

  @Override
  public String describe() {
    return delegate.describe();
  }
}
