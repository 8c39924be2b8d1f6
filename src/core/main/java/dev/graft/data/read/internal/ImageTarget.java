package dev.graft.data.read.internal;

import dev.graft.error.DataException;
import java.util.Optional;
import java.util.function.Supplier;

/**
 * The shape every image of a data set is brought to, and whether other sizes are resized or refused.
 *
 * @param resize whether images of another size are resized (true when the size was asked for)
 * @param flat whether examples are the image's values as one vector {@code {H*W*C}}, for a model whose input is a
 *     matrix {@code [N, features]} (an MLP over flattened images)
 */
public record ImageTarget(int height, int width, int channels, boolean resize, boolean flat) {

  /**
   * Resolves the asked-for {@code {H, W, C}} (entries of -1 unknown), or {@code {F}} for flat vectors of {@code F}
   * values, against the first image of the data; without an asked-for size, every image must have the first one's.
   *
   * @throws DataException when flat vectors are asked for and the first image does not hold {@code F} values
   */
  public static ImageTarget resolve(Optional<long[]> asked, Supplier<ImageDecoder.Size> first) {
    long[] t = asked.orElse(new long[] {-1, -1, -1});
    if (t.length == 1) {
      ImageDecoder.Size probe = first.get();
      long values = (long) probe.height() * probe.width() * probe.channels();
      if (values != t[0]) {
        throw new DataException("the data", "its images are " + probe.height() + "x" + probe.width() + "x"
            + probe.channels() + " = " + values + " values, but the model input takes vectors of " + t[0]
            + " values; give images whose pixels make exactly one input vector, or pick the model that fits them");
      }
      return new ImageTarget(probe.height(), probe.width(), probe.channels(), false, true);
    }
    ImageDecoder.Size probe = null;
    if (t[0] < 0 || t[1] < 0 || t[2] < 0) {
      probe = first.get();
    }
    int h = t[0] < 0 ? probe.height() : (int) t[0];
    int w = t[1] < 0 ? probe.width() : (int) t[1];
    int c = t[2] < 0 ? probe.channels() : (int) t[2];
    return new ImageTarget(h, w, c, t[0] >= 0 || t[1] >= 0, false);
  }

  /** The example shape: {@code {H, W, C}}, or {@code {H*W*C}} when flat. */
  public long[] shape() {
    return flat ? new long[] {(long) height * width * channels} : new long[] {height, width, channels};
  }

  /** Number of floats in one example. */
  public int size() {
    return height * width * channels;
  }

  /** Writes {@code image} in this shape to {@code dst} at {@code offset}. */
  public void write(ImageDecoder.Image image, float[] dst, int offset, String source) {
    write(image.pixels(), image.height(), image.width(), image.channels(), dst, offset, source);
  }

  /** Writes an {@code h x w x c} pixel array in this shape to {@code dst} at {@code offset}. */
  public void write(float[] pixels, int h, int w, int c, float[] dst, int offset, String source) {
    if (!resize && (h != height || w != width)) {
      throw new DataException(source, "is " + h + "x" + w + " pixels but the data's images are " + height + "x" + width
          + (flat ? " (the model takes them flattened, so every image must have that size); resize the images, or "
              : " (the first image's size, as no target size was given); pass a target image size (the model's input)"
              + " to resize every image, or ") + DataException.SKIP_HINT);
    }
    ImageShaper.shape(pixels, h, w, c, dst, offset, height, width, channels);
  }
}
