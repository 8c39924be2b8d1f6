package dev.graft.data.read;

import dev.graft.data.ExampleKind;
import dev.graft.data.SkippedItem;
import dev.graft.error.DataException;
import dev.graft.data.read.internal.IdxFiles.IdxArray;
import dev.graft.data.read.internal.IdxFiles;
import dev.graft.data.read.internal.ImageDecoder;
import dev.graft.data.read.internal.ImageTarget;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;

/**
 * Images and labels from a pair of IDX files (MNIST, Fashion-MNIST), plain or gzipped, held in memory as bytes.
 *
 * <pre>{@code
 * LabeledData train = IdxData.open(Path.of("train-images-idx3-ubyte.gz"), Path.of("train-labels-idx1-ubyte.gz"),
 *     DataOptions.defaults());
 * }</pre>
 */
public final class IdxData extends AbstractLabeledData {

  private final byte[] pixels;
  private final int rows;
  private final int cols;
  private final int channels;
  private final int[] items;
  private final ImageTarget target;

  private IdxData(String name, IdxArray images, IdxArray labelArray, List<String> classNames, ImageTarget target,
      int[] items, List<SkippedItem> skipped) {
    super(name, target.shape(), ExampleKind.FLOAT, classNames, labelsOf(labelArray, items), skipped);
    this.pixels = images.data();
    this.rows = images.dims()[1];
    this.cols = images.dims()[2];
    this.channels = images.dims().length == 4 ? images.dims()[3] : 1;
    this.target = target;
    this.items = items;
  }

  /** Reads an images file and a labels file (gzip detected); class names come from the options or are "0".."max". */
  public static IdxData open(Path images, Path labels, DataOptions options) {
    return of(images.toString(), IdxFiles.read(images), labels.toString(), IdxFiles.read(labels), null, options);
  }

  /**
   * Builds the data from parsed IDX arrays; {@code classNames} (nullable) overrides the options' names.
   *
   * @throws DataException if the arrays do not fit together or a label has no class
   */
  static IdxData of(String imagesName, IdxArray images, String labelsName, IdxArray labels, List<String> classNames,
      DataOptions options) {
    int[] dims = images.dims();
    if (dims.length != 3 && dims.length != 4) {
      throw new DataException(imagesName, "has IDX dimensions " + Arrays.toString(dims) + ", expected [count, rows, cols]"
          + " or [count, rows, cols, channels]; pass the images file first in idx:IMAGES,LABELS");
    }
    if (dims.length == 4 && dims[3] != 1 && dims[3] != 3) {
      throw new DataException(imagesName, "has " + dims[3] + " channels per pixel, expected 1 or 3");
    }
    if (labels.dims().length != 1) {
      throw new DataException(labelsName, "has IDX dimensions " + Arrays.toString(labels.dims()) + ", expected [count]"
          + " for a labels file; pass the labels file second in idx:IMAGES,LABELS");
    }
    if (labels.dims()[0] != dims[0]) {
      throw new DataException(labelsName, "holds " + labels.dims()[0] + " labels but " + imagesName + " holds " + dims[0]
          + " images; pass the matching labels file");
    }
    List<String> names = classNames != null ? classNames : options.classNames().orElse(null);
    if (names == null) {
      int max = 0;
      for (byte b : labels.data()) {
        max = Math.max(max, b & 0xFF);
      }
      names = new ArrayList<>();
      for (int i = 0; i <= max; i++) {
        names.add(Integer.toString(i));
      }
    }
    int[] items = new int[dims[0]];
    int n = 0;
    List<SkippedItem> skipped = new ArrayList<>();
    for (int i = 0; i < dims[0]; i++) {
      int label = labels.data()[i] & 0xFF;
      if (label >= names.size()) {
        DataException e = new DataException(labelsName, "label " + label + " of item " + i + " is outside 0.."
            + (names.size() - 1) + " (" + names.size() + " classes); check the file, or " + DataException.SKIP_HINT);
        if (!options.skipBad()) {
          throw e;
        }
        skipped.add(SkippedItem.of(e));
        continue;
      }
      items[n++] = i;
    }
    int channels = dims.length == 4 ? dims[3] : 1;
    ImageTarget target = ImageTarget.resolve(options.targetShape(),
        () -> new ImageDecoder.Size(dims[1], dims[2], channels));
    return new IdxData(imagesName, images, labels, names, target, Arrays.copyOf(items, n), skipped);
  }

  /** The label of each kept item, in order. */
  private static int[] labelsOf(IdxArray labelArray, int[] items) {
    int[] labels = new int[items.length];
    for (int i = 0; i < items.length; i++) {
      labels[i] = labelArray.data()[items[i]] & 0xFF;
    }
    return labels;
  }

  @Override
  public void readFloats(int index, float[] dst, int offset) {
    int n = rows * cols * channels;
    int start = items[index] * n;
    if (target.height() == rows && target.width() == cols && target.channels() == channels) {
      for (int i = 0; i < n; i++) {
        dst[offset + i] = pixels[start + i] & 0xFF;
      }
      return;
    }
    float[] src = new float[n];
    for (int i = 0; i < n; i++) {
      src[i] = pixels[start + i] & 0xFF;
    }
    target.write(src, rows, cols, channels, dst, offset, describe() + " item " + items[index]);
  }
}
