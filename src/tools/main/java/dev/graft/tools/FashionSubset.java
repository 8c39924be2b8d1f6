package dev.graft.tools;

import java.io.DataInputStream;
import java.io.IOException;
import java.io.InputStream;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Arrays;
import java.util.zip.GZIPInputStream;

/**
 * Fashion-MNIST images of the first few classes, scaled to [0,1], read from the gzipped IDX files.
 *
 * @param images {@code count * 784} pixels, row-major, one image after the other
 * @param labels class of each image, below {@code numClasses}
 * @param numClasses how many classes were kept (classes {@code 0 .. numClasses-1})
 */
record FashionSubset(float[] images, int[] labels, int numClasses) {

  static final int PIXELS = 28 * 28;

  /** Names of the ten Fashion-MNIST classes, by label. */
  static final String[] CLASS_NAMES = {"T-shirt/top", "Trouser", "Pullover", "Dress", "Coat", "Sandal", "Shirt",
      "Sneaker", "Bag", "Ankle boot"};

  /**
   * Reads {@code <split>-images-idx3-ubyte.gz} and {@code <split>-labels-idx1-ubyte.gz} from {@code dir}
   * and keeps the images of classes below {@code numClasses}, in file order.
   *
   * @param split {@code train} or {@code t10k}
   */
  static FashionSubset load(Path dir, String split, int numClasses) throws IOException {
    byte[] labels = readIdx(dir.resolve(split + "-labels-idx1-ubyte.gz"), 0x801, 1);
    byte[] pixels = readIdx(dir.resolve(split + "-images-idx3-ubyte.gz"), 0x803, PIXELS);
    if (pixels.length != labels.length * PIXELS) {
      throw new IOException("Fashion-MNIST " + split + " files in " + dir + " disagree: " + labels.length
          + " labels but " + pixels.length / PIXELS + " images");
    }
    int kept = 0;
    for (byte label : labels) {
      kept += label < numClasses ? 1 : 0;
    }
    float[] images = new float[kept * PIXELS];
    int[] keptLabels = new int[kept];
    int k = 0;
    for (int i = 0; i < labels.length; i++) {
      if (labels[i] >= numClasses) {
        continue;
      }
      keptLabels[k] = labels[i];
      for (int p = 0; p < PIXELS; p++) {
        images[k * PIXELS + p] = (pixels[i * PIXELS + p] & 0xff) / 255f;
      }
      k++;
    }
    return new FashionSubset(images, keptLabels, numClasses);
  }

  /** Reads an IDX file's items (after its magic number and dimensions) as raw bytes. */
  private static byte[] readIdx(Path file, int magic, int itemBytes) throws IOException {
    if (!Files.isRegularFile(file)) {
      throw new IOException("Fashion-MNIST file " + file + " is missing; pass --data with the folder that holds "
          + "train-images-idx3-ubyte.gz, train-labels-idx1-ubyte.gz, t10k-images-idx3-ubyte.gz and t10k-labels-idx1-ubyte.gz");
    }
    try (InputStream raw = new GZIPInputStream(Files.newInputStream(file));
        DataInputStream in = new DataInputStream(raw)) {
      int found = in.readInt();
      if (found != magic) {
        throw new IOException(file + " is not the expected IDX file: magic number 0x" + Integer.toHexString(found)
            + ", expected 0x" + Integer.toHexString(magic));
      }
      int count = in.readInt();
      for (int d = 1; d < (magic & 0xff); d++) {
        in.readInt();
      }
      byte[] items = new byte[Math.multiplyExact(count, itemBytes)];
      in.readFully(items);
      return items;
    }
  }

  /** Number of images. */
  int count() {
    return labels.length;
  }

  /** The first {@code n} images (all of them when there are fewer). */
  FashionSubset head(int n) {
    int kept = Math.min(n, count());
    return new FashionSubset(Arrays.copyOf(images, kept * PIXELS), Arrays.copyOf(labels, kept),
        numClasses);
  }
}
