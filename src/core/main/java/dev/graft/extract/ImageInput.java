package dev.graft.extract;

import dev.graft.error.GraftException;
import dev.graft.data.transform.Preprocessing;
import dev.graft.data.read.internal.ImageDecoder;
import dev.graft.data.read.internal.ImageTarget;
import dev.graft.model.TensorSpec;
import java.util.Arrays;
import org.tensorflow.proto.DataType;

/**
 * Turns one encoded image into the model input values {@code retrain} would feed: decoded, resized to the model
 * input's height, width and channels, then scaled by the preprocessing, in that order and with the same arithmetic
 * as an image folder read through {@link dev.graft.data.view.LabeledDatas#preprocessed}.
 *
 * <pre>{@code
 * ImageInput input = ImageInput.forModel(model.input(), Preprocessing.symmetric());
 * float[] batch = new float[n * input.size()];
 * input.decode(jpegBytes, "/data/cat/1.jpg", batch, 0);
 * }</pre>
 */
public final class ImageInput {

  private final ImageTarget target;
  private final Preprocessing preprocessing;
  private final float[] scale;
  private final float[] offset;

  private ImageInput(ImageTarget target, Preprocessing preprocessing) {
    this.target = target;
    this.preprocessing = preprocessing;
    this.scale = preprocessing.scale(target.channels());
    this.offset = preprocessing.offset(target.channels());
  }

  /**
   * The input of a model that takes float images {@code [N, H, W, C]} of a fixed size.
   *
   * @throws GraftException when the input is no float image of known height, width and channels
   */
  public static ImageInput forModel(TensorSpec input, Preprocessing preprocessing) {
    long[] shape = input.shape();
    boolean image = input.dtype() == DataType.DT_FLOAT && shape != null && shape.length == 4 && shape[1] > 0
        && shape[2] > 0 && (shape[3] == 1 || shape[3] == 3);
    if (!image) {
      throw new GraftException("The model input '" + input.key() + "' is " + input.dtypeName() + " "
          + input.shapeString() + "; image features need a float input [N, H, W, C] of fixed height and width and "
          + "1 or 3 channels. Export the model with a fixed input size, e.g. [-1, 224, 224, 3].");
    }
    return new ImageInput(new ImageTarget((int) shape[1], (int) shape[2], (int) shape[3], true, false), preprocessing);
  }

  /** The example shape {@code {H, W, C}}. */
  public long[] shape() {
    return target.shape();
  }

  /** Values of one example, {@code H * W * C}. */
  public int size() {
    return target.size();
  }

  /** The scaling applied after resizing. */
  public Preprocessing preprocessing() {
    return preprocessing;
  }

  /**
   * Decodes a JPEG or PNG and writes it, resized and scaled, to {@code dst} at {@code offset}.
   *
   * @param source names the image in error messages (its file)
   * @throws dev.graft.error.DataException naming {@code source} when the bytes are no readable image
   */
  public void decode(byte[] bytes, String source, float[] dst, int offset) {
    ImageDecoder.Image image = ImageDecoder.decode(bytes, source);
    write(image.pixels(), image.height(), image.width(), image.channels(), source, dst, offset);
  }

  /** Writes decoded RGB or gray pixels ({@code h x w x c}, values 0..255), resized and scaled, to {@code dst}. */
  public void write(float[] pixels, int h, int w, int c, String source, float[] dst, int offset) {
    target.write(pixels, h, w, c, dst, offset, source);
    int channels = target.channels();
    int size = target.size();
    for (int i = 0; i < size; i++) {
      int k = i % channels;
      dst[offset + i] = dst[offset + i] * scale[k] + this.offset[k];
    }
  }

  @Override
  public String toString() {
    return Arrays.toString(shape()) + " " + preprocessing;
  }
}
