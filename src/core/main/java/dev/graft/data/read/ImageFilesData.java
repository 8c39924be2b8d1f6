package dev.graft.data.read;

import dev.graft.data.ExampleKind;
import dev.graft.data.LabeledData;
import dev.graft.data.SkippedItem;
import dev.graft.data.read.internal.ImageDecoder;
import dev.graft.data.read.internal.ImageTarget;
import dev.graft.error.DataException;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;

/**
 * Image files decoded on each read; only the file list is held in memory. Image folders and CSV files of paths open
 * as this; {@link #openUnlabelled} opens image files without labels, for prediction.
 */
public final class ImageFilesData extends AbstractLabeledData {

  /** The one class name of data without labels. */
  public static final String UNLABELLED = "(unlabelled)";

  /**
   * Image files without labels, for prediction: each path is an image, or a {@code .txt} file listing image paths one
   * a line (relative paths resolve against its folder; blank lines and lines starting with {@code #} are skipped).
   * Every example has label 0 of the single class {@link #UNLABELLED}.
   *
   * @throws DataException naming a file that is missing or (unless skipBad) not a readable image
   */
  public static LabeledData openUnlabelled(List<Path> paths, DataOptions options) {
    List<String> files = new ArrayList<>();
    for (Path p : paths) {
      if (p.getFileName().toString().toLowerCase(java.util.Locale.ROOT).endsWith(".txt")) {
        files.addAll(listed(p));
      } else {
        files.add(p.toString());
      }
    }
    List<String> kept = new ArrayList<>();
    List<SkippedItem> skipped = new ArrayList<>();
    for (String file : files) {
      try {
        if (!Files.isRegularFile(Path.of(file))) {
          throw new DataException(file, "image file does not exist; check the path");
        }
        ImageDecoder.probe(Path.of(file));
        kept.add(file);
      } catch (DataException e) {
        if (!options.skipBad()) {
          throw e;
        }
        skipped.add(SkippedItem.of(e));
      }
    }
    if (kept.isEmpty()) {
      throw new DataException(paths.get(0).toString(), "no readable image among " + files.size() + " (" + skipped.size()
          + " skipped" + (skipped.isEmpty() ? "" : ", first: " + skipped.get(0)) + ")");
    }
    var target = ImageTarget.resolve(options.targetShape(), () -> ImageDecoder.probe(Path.of(kept.get(0))));
    return new ImageFilesData(paths.get(0).toString(), Path.of(""), kept.toArray(String[]::new),
        new int[kept.size()], List.of(UNLABELLED), target, skipped);
  }

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
  public String exampleName(int index) {
    return file(index).toString();
  }

  @Override
  public void readFloats(int index, float[] dst, int offset) {
    ImageDecoder.decodeInto(file(index), target, dst, offset);
  }

  private static List<String> listed(Path list) {
    List<String> lines;
    try {
      lines = Files.readAllLines(list);
    } catch (IOException | java.io.UncheckedIOException e) {
      throw new DataException(list.toString(), "cannot read the list of image paths (" + e.getMessage() + ")", e);
    }
    Path dir = list.toAbsolutePath().getParent();
    List<String> files = new ArrayList<>();
    for (String line : lines) {
      String path = line.strip();
      if (!path.isEmpty() && !path.startsWith("#")) {
        files.add(dir.resolve(path).toString());
      }
    }
    if (files.isEmpty()) {
      throw new DataException(list.toString(), "lists no image paths; write one path a line");
    }
    return files;
  }
}
