package dev.graft.data.read;

import dev.graft.data.ExampleKind;
import dev.graft.data.LabeledData;
import dev.graft.data.SkippedItem;
import java.util.List;

/**
 * The accessors every array-backed reader shares: example shape and kind, class names, one label per example,
 * the items skipped while opening, and a description; a subclass adds only how it reads an example.
 */
abstract class AbstractLabeledData implements LabeledData {

  private final String description;
  private final long[] shape;
  private final ExampleKind kind;
  private final List<String> classNames;
  private final int[] labels;
  private final List<SkippedItem> skipped;

  /** Holds {@code labels} as given (one per example, so its length is the size); copies the rest. */
  AbstractLabeledData(String description, long[] shape, ExampleKind kind, List<String> classNames, int[] labels,
      List<SkippedItem> skipped) {
    this.description = description;
    this.shape = shape.clone();
    this.kind = kind;
    this.classNames = List.copyOf(classNames);
    this.labels = labels;
    this.skipped = List.copyOf(skipped);
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
    return kind;
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
  public List<SkippedItem> skippedItems() {
    return skipped;
  }

  @Override
  public String describe() {
    return description;
  }
}
