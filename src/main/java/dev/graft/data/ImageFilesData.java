package dev.graft.data;

import dev.graft.data.internal.ImageDecoder;
import dev.graft.data.internal.ImageTarget;
import java.nio.file.Path;
import java.util.List;

/** Labelled image files decoded on each read; only the file list is held in memory. */
final class ImageFilesData implements LabeledData {

  private final String name;
  private final Path base;
  private final String[] files;
  private final int[] labels;
  private final List<String> classNames;
  private final ImageTarget target;
  private final List<SkippedItem> skipped;

  /** Creates the data; {@code files} are paths relative to {@code base} (or absolute). */
  ImageFilesData(String name, Path base, String[] files, int[] labels, List<String> classNames, ImageTarget target,
      List<SkippedItem> skipped) {
    this.name = name;
    this.base = base;
    this.files = files;
    this.labels = labels;
    this.classNames = List.copyOf(classNames);
    this.target = target;
    this.skipped = List.copyOf(skipped);
  }

  /** The file of example {@code index}. */
  Path file(int index) {
    return base.resolve(files[index]);
  }

  @Override
  public int size() {
    return files.length;
  }

  @Override
  public long[] exampleShape() {
    return target.shape();
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
    Path file = file(index);
    target.write(ImageDecoder.decode(file), dst, offset, file.toString());
  }

  @Override
  public List<SkippedItem> skippedItems() {
    return skipped;
  }

  @Override
  public String describe() {
    return name;
  }
}
