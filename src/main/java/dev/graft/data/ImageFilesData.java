package dev.graft.data;

import dev.graft.data.internal.ImageDecoder;
import dev.graft.data.internal.ImageTarget;
import java.nio.file.Path;
import java.util.List;

/** Labelled image files decoded on each read; only the file list is held in memory. */
final class ImageFilesData extends AbstractLabeledData {

  private final Path base;
  private final String[] files;
  private final ImageTarget target;

  /** Creates the data; {@code files} are paths relative to {@code base} (or absolute). */
  ImageFilesData(String name, Path base, String[] files, int[] labels, List<String> classNames, ImageTarget target,
      List<SkippedItem> skipped) {
    super(name, target.shape(), ExampleKind.FLOAT, classNames, labels, skipped);
    this.base = base;
    this.files = files;
    this.target = target;
  }

  /** The file of example {@code index}. */
  Path file(int index) {
    return base.resolve(files[index]);
  }

  @Override
  public void readFloats(int index, float[] dst, int offset) {
    Path file = file(index);
    target.decode(ImageDecoder.read(file), dst, offset, file.toString());
  }
}
