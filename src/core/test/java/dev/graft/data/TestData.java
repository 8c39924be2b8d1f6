package dev.graft.data;

import com.google.protobuf.ByteString;
import dev.graft.data.batch.Batch;
import dev.graft.data.view.LabeledDatas;
import java.awt.image.BufferedImage;
import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.ByteBuffer;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Random;
import java.util.zip.GZIPOutputStream;
import javax.imageio.ImageIO;
import org.tensorflow.ndarray.buffer.DataBuffers;
import org.tensorflow.proto.BytesList;
import org.tensorflow.proto.Example;
import org.tensorflow.proto.Feature;
import org.tensorflow.proto.Features;
import org.tensorflow.proto.Int64List;
import org.tensorflow.types.TFloat32;

/** Small files and arrays the data tests write for themselves. */
public final class TestData {

  private TestData() {}

  /** Random whole-number pixel values 0..255. */
  public static float[] pixels(Random rng, int n) {
    float[] p = new float[n];
    for (int i = 0; i < n; i++) {
      p[i] = rng.nextInt(256);
    }
    return p;
  }

  /** An 8-bit gray ({@code c == 1}) or RGB ({@code c == 3}) image of HWC pixel values. */
  public static BufferedImage image(float[] hwc, int h, int w, int c) {
    BufferedImage img = new BufferedImage(w, h, c == 1 ? BufferedImage.TYPE_BYTE_GRAY : BufferedImage.TYPE_3BYTE_BGR);
    int[] ints = new int[hwc.length];
    for (int i = 0; i < ints.length; i++) {
      ints[i] = (int) hwc[i];
    }
    img.getRaster().setPixels(0, 0, w, h, ints);
    return img;
  }

  /** Encodes an image as PNG or JPEG bytes. */
  public static byte[] encode(float[] hwc, int h, int w, int c, String format) {
    ByteArrayOutputStream out = new ByteArrayOutputStream();
    try {
      if (!ImageIO.write(image(hwc, h, w, c), format, out)) {
        throw new IllegalStateException("no writer for " + format);
      }
    } catch (IOException e) {
      throw new UncheckedIOException(e);
    }
    return out.toByteArray();
  }

  /** Writes an image file; the format follows the extension. */
  public static Path write(Path file, float[] hwc, int h, int w, int c) throws IOException {
    Files.createDirectories(file.getParent());
    String name = file.getFileName().toString();
    String format = name.toLowerCase(java.util.Locale.ROOT).endsWith(".png") ? "png" : "jpeg";
    Files.write(file, encode(hwc, h, w, c, format));
    return file;
  }

  /** IDX bytes written by hand: magic {@code 0 0 8 rank}, big-endian dims, data. */
  public static byte[] idx(int[] dims, byte[] data) {
    ByteBuffer b = ByteBuffer.allocate(4 + 4 * dims.length + data.length);
    b.put((byte) 0).put((byte) 0).put((byte) 8).put((byte) dims.length);
    for (int d : dims) {
      b.putInt(d);
    }
    b.put(data);
    return b.array();
  }

  public static byte[] gzip(byte[] data) throws IOException {
    ByteArrayOutputStream out = new ByteArrayOutputStream();
    try (GZIPOutputStream gz = new GZIPOutputStream(out)) {
      gz.write(data);
    }
    return out.toByteArray();
  }

  /** Pixel values as IDX bytes. */
  public static byte[] bytes(float[] values) {
    byte[] b = new byte[values.length];
    for (int i = 0; i < b.length; i++) {
      b[i] = (byte) (int) values[i];
    }
    return b;
  }

  /** A tf.Example with an encoded image, an int64 label and (if not null) a class text. */
  public static Example example(byte[] image, long label, String text) {
    Features.Builder f = Features.newBuilder();
    if (image != null) {
      f.putFeature("image/encoded", Feature.newBuilder()
          .setBytesList(BytesList.newBuilder().addValue(ByteString.copyFrom(image))).build());
    }
    f.putFeature("image/class/label", Feature.newBuilder().setInt64List(Int64List.newBuilder().addValue(label)).build());
    if (text != null) {
      f.putFeature("image/class/text", Feature.newBuilder()
          .setBytesList(BytesList.newBuilder().addValue(ByteString.copyFromUtf8(text))).build());
    }
    return Example.newBuilder().setFeatures(f).build();
  }

  /** The values of a float batch. */
  public static float[] values(Batch batch) {
    TFloat32 t = (TFloat32) batch.features();
    float[] out = new float[(int) t.shape().size()];
    t.copyTo(DataBuffers.of(out, false, false));
    return out;
  }

  /** Reads example {@code i} into a new array. */
  public static float[] read(LabeledData data, int i) {
    float[] out = new float[(int) LabeledDatas.exampleSize(data)];
    data.readFloats(i, out, 0);
    return out;
  }
}
