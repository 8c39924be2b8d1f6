package dev.graft.data.internal;

import dev.graft.data.DataException;
import java.util.Optional;
import java.util.function.Supplier;

/**
 * The shape every image of a data set is brought to, and whether other sizes are resized or refused.
 *
 * @param resize whether images of another size are resized (true when the size was asked for)
 */
public record ImageTarget(int height, int width, int channels, boolean resize) {

  /**
   * Resolves the asked-for {@code {H, W, C}} (entries of -1 unknown) against the first image of the data;
   * without an asked-for size, every image must have the first one's size.
   */
  public static ImageTarget resolve(Optional<long[]> asked, Supplier<ImageDecoder.Size> first) {
    long[] t = asked.orElse(new long[] {-1, -1, -1});
    ImageDecoder.Size probe = null;
    if (t[0] < 0 || t[1] < 0 || t[2] < 0) {
      probe = first.get();
    }
    int h = t[0] < 0 ? probe.height() : (int) t[0];
    int w = t[1] < 0 ? probe.width() : (int) t[1];
    int c = t[2] < 0 ? probe.channels() : (int) t[2];
    return new ImageTarget(h, w, c, t[0] >= 0 || t[1] >= 0);
  }

  /** The example shape {@code {H, W, C}}. */
  public long[] shape() {
    return new long[] {height, width, channels};
  }

  /** Number of floats in one example. */
  public int size() {
    return height * width * channels;
  }

  /**
   * Decodes an encoded image and writes it in this shape to {@code dst} at {@code offset}; a JPEG file goes from
   * TensorFlow's decoder straight into {@code dst}, with no image in between.
   */
  public void decode(byte[] encoded, float[] dst, int offset, String source) {
    if (ImageDecoder.isJpeg(encoded) && TfJpegDecoder.shared().decodeInto(encoded, this, dst, offset, source)) {
      return;
    }
    write(ImageDecoder.decodeWithImageIo(encoded, source), dst, offset, source);
  }

  /** Writes {@code image} in this shape to {@code dst} at {@code offset}. */
  public void write(ImageDecoder.Image image, float[] dst, int offset, String source) {
    write(image.pixels(), image.height(), image.width(), image.channels(), dst, offset, source);
  }

  /** Writes an {@code h x w x c} pixel array in this shape to {@code dst} at {@code offset}. */
  public void write(float[] pixels, int h, int w, int c, float[] dst, int offset, String source) {
    if (!resize && (h != height || w != width)) {
      throw new DataException(source, "is " + h + "x" + w + " pixels but the data's images are " + height + "x" + width
          + " (the first image's size, as no target size was given); pass a target image size (the model's input) "
          + "to resize every image, or " + DataException.SKIP_HINT);
    }
    ImageShaper.shape(pixels, h, w, c, dst, offset, height, width, channels);
  }
}
