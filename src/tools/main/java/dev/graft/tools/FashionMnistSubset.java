package dev.graft.tools;

import dev.graft.data.read.FashionMnist;
import dev.graft.data.read.internal.IdxFiles.IdxArray;
import dev.graft.data.read.internal.IdxFiles;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;

/**
 * Makes the Fashion-MNIST subset bundled as resources: the first 600 training and 200 test images of each class.
 *
 * <p>Usage: {@code java -cp graft.jar dev.graft.tools.FashionMnistSubset [SOURCE_DIR] [OUT_DIR]}, by default from
 * {@code /usr/share/datasets/fashion-mnist} to {@code src/core/main/resources/datasets/fashion-mnist}. The output is the
 * same bytes on every run (gzip level 9, no timestamp).
 */
public final class FashionMnistSubset {

  /** Training images kept per class. */
  public static final int TRAIN_PER_CLASS = 600;
  /** Test images kept per class. */
  public static final int TEST_PER_CLASS = 200;

  private FashionMnistSubset() {}

  /** Writes the subset; arguments are the source and output folders. */
  public static void main(String[] args) throws IOException {
    Path source = args.length > 0 ? Path.of(args[0]) : FashionMnist.DEBIAN_DIR;
    Path out = args.length > 1 ? Path.of(args[1]) : Path.of("src/core/main/resources/datasets/fashion-mnist");
    Files.createDirectories(out);
    write(source, out, FashionMnist.Split.TRAIN, TRAIN_PER_CLASS);
    write(source, out, FashionMnist.Split.TEST, TEST_PER_CLASS);
  }

  /** Writes the first {@code perClass} images of each class of {@code split}, in file order, to {@code out}. */
  public static void write(Path source, Path out, FashionMnist.Split split, int perClass) throws IOException {
    IdxArray images = IdxFiles.read(source.resolve(split.imagesFile() + ".gz"));
    IdxArray labels = IdxFiles.read(source.resolve(split.labelsFile() + ".gz"));
    int classes = FashionMnist.CLASS_NAMES.size();
    int pixels = images.dims()[1] * images.dims()[2];
    int[] taken = new int[classes];
    byte[] outImages = new byte[classes * perClass * pixels];
    byte[] outLabels = new byte[classes * perClass];
    int n = 0;
    for (int i = 0; i < labels.data().length && n < outLabels.length; i++) {
      int label = labels.data()[i];
      if (taken[label] < perClass) {
        taken[label]++;
        outLabels[n] = (byte) label;
        System.arraycopy(images.data(), i * pixels, outImages, n * pixels, pixels);
        n++;
      }
    }
    if (n != outLabels.length) {
      throw new IllegalStateException(source + " has fewer than " + perClass + " images of some class in " + split);
    }
    IdxFiles.write(out.resolve(split.imagesFile() + ".gz"), new int[] {n, images.dims()[1], images.dims()[2]}, outImages);
    IdxFiles.write(out.resolve(split.labelsFile() + ".gz"), new int[] {n}, outLabels);
  }
}
