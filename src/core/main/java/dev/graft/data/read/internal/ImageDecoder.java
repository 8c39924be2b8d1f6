package dev.graft.data.read.internal;

import dev.graft.error.DataException;
import java.awt.color.ColorSpace;
import java.awt.image.BufferedImage;
import java.awt.image.ColorModel;
import java.awt.image.ComponentColorModel;
import java.awt.image.ComponentSampleModel;
import java.awt.image.DataBufferByte;
import java.awt.image.WritableRaster;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.Iterator;
import java.util.List;
import java.util.Locale;
import javax.imageio.IIOException;
import javax.imageio.ImageIO;
import javax.imageio.ImageReader;
import javax.imageio.ImageTypeSpecifier;
import javax.imageio.spi.ImageReaderSpi;
import javax.imageio.stream.FileImageInputStream;
import javax.imageio.stream.ImageInputStream;

/**
 * Decodes JPEG images (with TensorFlow's decoder), PNG images and other formats ImageIO knows to HWC float pixels
 * 0..255.
 */
public final class ImageDecoder {

  /**
   * A decoded image.
   *
   * @param pixels HWC values 0..255, row by row
   * @param channels 1 for gray, 3 for RGB (alpha is dropped)
   */
  public record Image(float[] pixels, int height, int width, int channels) {}

  /** Height, width and channels (1 or 3) of an image, read from its header only. */
  public record Size(int height, int width, int channels) {}

  /** The most pixels an image may have (8192 x 8192). */
  public static final long MAX_PIXELS = 1L << 26;

  private static final ImageReaderSpi PNG = spi("png");
  private static final ImageReaderSpi JPEG = spi("jpeg");

  private ImageDecoder() {}

  private static ImageReaderSpi spi(String format) {
    Iterator<ImageReader> it = ImageIO.getImageReadersByFormatName(format);
    return it.hasNext() ? it.next().getOriginatingProvider() : null;
  }

  /** Reads and decodes an image file. */
  public static Image decode(Path file) {
    return decode(read(file), file.toString());
  }

  /** The bytes of an image file. */
  public static byte[] read(Path file) {
    try {
      return Files.readAllBytes(file);
    } catch (IOException e) {
      throw new DataException(file.toString(), "cannot read the file (" + e + "); check that it exists and is readable, or "
          + DataException.SKIP_HINT, e);
    }
  }

  /**
   * Decodes encoded image bytes; {@code source} names them in error messages. JPEG files go through TensorFlow's
   * decoder (the pixels {@code tf.io.decode_jpeg} gives), others and JPEG files it cannot decode through ImageIO.
   */
  public static Image decode(byte[] bytes, String source) {
    if (isJpeg(bytes, bytes.length)) {
      checkJpegSize(bytes, bytes.length, source);
      Image image = TfJpegDecoder.shared().decode(bytes);
      if (image != null) {
        return image;
      }
    }
    return decodeWithImageIo(bytes, source);
  }

  /** Decodes encoded image bytes with ImageIO alone (JPEG files too). */
  public static Image decodeWithImageIo(byte[] bytes, String source) {
    return toFloats(read(bytes, source), source);
  }

  /**
   * Reads and decodes an image file into {@code dst} at {@code offset} in {@code target}'s shape. An image that
   * already has the target's size is written straight from the decoded raster, with no intermediate pixel array:
   * the feature pass over a folder of images then makes little garbage per image.
   */
  public static void decodeInto(Path file, ImageTarget target, float[] dst, int offset) {
    DecoderState state = DecoderState.current();
    state.readFile(file);
    decodeInto(state, state.bytes(), state.length(), file.toString(), target, dst, offset);
  }

  /** Decodes encoded image bytes into {@code dst} at {@code offset} in {@code target}'s shape. */
  public static void decodeInto(byte[] bytes, String source, ImageTarget target, float[] dst, int offset) {
    decodeInto(DecoderState.current(), bytes, bytes.length, source, target, dst, offset);
  }

  /**
   * Decodes with the thread's reused reader and image (JPEG and PNG), or a fresh reader for other formats; the
   * pixels go straight to {@code dst} when the image has the target's size.
   */
  private static void decodeInto(DecoderState state, byte[] bytes, int length, String source, ImageTarget target,
      float[] dst, int offset) {
    if (isJpeg(bytes, length)) {
      // TensorFlow's decoder: the pixels tf.io.decode_jpeg gives; ImageIO below only for what it cannot decode
      checkJpegSize(bytes, length, source);
      byte[] exact = length == bytes.length ? bytes : Arrays.copyOf(bytes, length);
      if (TfJpegDecoder.shared().decodeInto(exact, target, dst, offset, source)) {
        return;
      }
    }
    BufferedImage image;
    try {
      image = state.decode(bytes, length, source, JPEG, PNG);
    } catch (IOException | RuntimeException e) {
      throw corrupt(source, e);
    }
    if (image == null) {
      image = read(java.util.Arrays.copyOf(bytes, length), source);
    }
    if (image.getWidth() == target.width() && image.getHeight() == target.height()
        && image.getColorModel() instanceof ComponentColorModel cm && isGrayOrRgb(cm)
        && readBytesDirect(image.getRaster(), image.getWidth(), image.getHeight(), cm.getNumColorComponents(), dst,
            offset, target.channels())) {
      return;
    }
    target.write(toFloats(image, source), dst, offset, source);
  }

  private static boolean isGrayOrRgb(ColorModel cm) {
    int type = cm.getColorSpace().getType();
    int nc = cm.getNumColorComponents();
    return (type == ColorSpace.TYPE_GRAY && nc == 1) || (type == ColorSpace.TYPE_RGB && nc == 3);
  }

  private static BufferedImage read(byte[] bytes, String source) {
    List<String> warnings = new ArrayList<>();
    ImageReader reader = reader(bytes, source);
    reader.addIIOReadWarningListener((r, warning) -> warnings.add(warning));
    try (ImageInputStream in = new ByteArrayImageInputStream(bytes)) {
      reader.setInput(in, true, true);
      checkSize(reader.getWidth(0), reader.getHeight(0), source);
      BufferedImage image = reader.read(0);
      for (String w : warnings) {
        String lower = w.toLowerCase(Locale.ROOT);
        if (lower.contains("premature end") || lower.contains("truncated")) {
          throw new IIOException(w);
        }
      }
      return image;
    } catch (IOException | RuntimeException e) {
      throw corrupt(source, e);
    } finally {
      reader.dispose();
    }
  }

  /** Reads an image file's height, width and channels from its header, without decoding the pixels. */
  public static Size probe(Path file) {
    byte[] head = new byte[8];
    try (FileImageInputStream in = new FileImageInputStream(file.toFile())) {
      int n = in.read(head);
      in.seek(0);
      ImageReader reader = reader(n < 8 ? Arrays.copyOf(head, Math.max(n, 0)) : head, file.toString());
      try {
        reader.setInput(in, true, true);
        return size(reader, file.toString());
      } finally {
        reader.dispose();
      }
    } catch (IOException | RuntimeException e) {
      throw corrupt(file.toString(), e);
    }
  }

  /** Reads an encoded image's height, width and channels from its header. */
  public static Size probe(byte[] bytes, String source) {
    ImageReader reader = reader(bytes, source);
    try (ImageInputStream in = new ByteArrayImageInputStream(bytes)) {
      reader.setInput(in, true, true);
      return size(reader, source);
    } catch (IOException | RuntimeException e) {
      throw corrupt(source, e);
    } finally {
      reader.dispose();
    }
  }

  private static Size size(ImageReader reader, String source) throws IOException {
    int w = reader.getWidth(0);
    int h = reader.getHeight(0);
    checkSize(w, h, source);
    ImageTypeSpecifier type = reader.getRawImageType(0);
    if (type == null) {
      Iterator<ImageTypeSpecifier> types = reader.getImageTypes(0);
      type = types.hasNext() ? types.next() : null;
    }
    int channels = type != null && type.getColorModel().getNumColorComponents() == 1 ? 1 : 3;
    return new Size(h, w, channels);
  }

  /**
   * Refuses an image whose header claims more pixels than Graft decodes, before any pixel memory is taken: a small
   * file can claim 40000x40000 pixels.
   */
  static void checkSize(int width, int height, String source) {
    long pixels = (long) width * height;
    // decoding holds the image's bytes and its float copy: about 16 bytes per RGB pixel at peak
    long needed = pixels * 16;
    long heap = Runtime.getRuntime().maxMemory();
    if (width <= 0 || height <= 0 || pixels > MAX_PIXELS || needed > heap / 2) {
      throw new DataException(source, "is " + width + "x" + height + " pixels" + (pixels > MAX_PIXELS
          ? ", more than the " + MAX_PIXELS + " Graft decodes" : ", which needs about " + (needed >> 20)
              + " MiB to decode, more than half the Java heap (" + (heap >> 20) + " MiB)")
          + "; resize it (models take far smaller images), or " + DataException.SKIP_HINT);
    }
  }

  static boolean isJpeg(byte[] bytes, int length) {
    return length >= 3 && (bytes[0] & 0xFF) == 0xFF && (bytes[1] & 0xFF) == 0xD8;
  }

  /**
   * Reads a JPEG's size from its frame header (the SOFn segment) and refuses it as {@link #checkSize} does, before
   * TensorFlow's decoder takes memory for its pixels; a header that cannot be walked is left to the decoders.
   */
  private static void checkJpegSize(byte[] bytes, int length, String source) {
    int p = 2;
    while (p + 9 <= length) {
      if ((bytes[p] & 0xFF) != 0xFF) {
        return;
      }
      int marker = bytes[p + 1] & 0xFF;
      if (marker == 0xFF) {
        p++;
        continue;
      }
      if (marker == 0xD8 || (marker >= 0xD0 && marker <= 0xD7) || marker == 0x01) {
        p += 2;
        continue;
      }
      int segment = ((bytes[p + 2] & 0xFF) << 8) | (bytes[p + 3] & 0xFF);
      boolean frame = marker >= 0xC0 && marker <= 0xCF && marker != 0xC4 && marker != 0xC8 && marker != 0xCC;
      if (frame) {
        int height = ((bytes[p + 5] & 0xFF) << 8) | (bytes[p + 6] & 0xFF);
        int width = ((bytes[p + 7] & 0xFF) << 8) | (bytes[p + 8] & 0xFF);
        if (height > 0) {
          // height 0 means "defined later" (DNL): ImageIO's header read then judges the size
          checkSize(width, height, source);
        }
        return;
      }
      if (marker == 0xDA || segment < 2) {
        return;
      }
      p += 2 + segment;
    }
  }

  /** {@code e} as the data error it reports: itself when it already is one, else "cannot decode" naming the file. */
  private static DataException corrupt(String source, Exception e) {
    if (e instanceof DataException de) {
      return de;
    }
    String why = e.getMessage() == null ? e.getClass().getSimpleName() : e.getMessage();
    return new DataException(source, "cannot decode the image (" + why
        + "); the file is corrupt or not a JPEG/PNG image; replace it, or " + DataException.SKIP_HINT, e);
  }

  private static ImageReader reader(byte[] bytes, String source) {
    try {
      if (bytes.length >= 8 && (bytes[0] & 0xFF) == 0x89 && bytes[1] == 'P' && bytes[2] == 'N' && bytes[3] == 'G'
          && PNG != null) {
        return PNG.createReaderInstance();
      }
      if (isJpeg(bytes, bytes.length) && JPEG != null) {
        return JPEG.createReaderInstance();
      }
      try (ImageInputStream in = new ByteArrayImageInputStream(bytes)) {
        Iterator<ImageReader> it = ImageIO.getImageReaders(in);
        if (it.hasNext()) {
          return it.next();
        }
      }
    } catch (IOException e) {
      throw corrupt(source, e);
    }
    StringBuilder head = new StringBuilder();
    for (int i = 0; i < Math.min(4, bytes.length); i++) {
      head.append(String.format("%02x", bytes[i] & 0xFF));
    }
    throw new DataException(source, (bytes.length == 0 ? "the file is empty" : "not a JPEG or PNG image (it starts with bytes "
        + head + ")") + "; replace it, or " + DataException.SKIP_HINT);
  }

  private static Image toFloats(BufferedImage image, String source) {
    int w = image.getWidth();
    int h = image.getHeight();
    ColorModel cm = image.getColorModel();
    int type = cm.getColorSpace().getType();
    int nc = cm.getNumColorComponents();
    if (cm instanceof ComponentColorModel && isGrayOrRgb(cm)) {
      float[] out = new float[h * w * nc];
      WritableRaster raster = image.getRaster();
      if (!readBytesDirect(raster, w, h, nc, out, 0, nc)) {
        readSamples(raster, cm, w, h, nc, out);
      }
      return new Image(out, h, w, nc);
    }
    if (nc != 3 && nc != 1) {
      throw new DataException(source, "has " + nc + " color components (e.g. CMYK), expected gray or RGB; convert it to RGB, or "
          + DataException.SKIP_HINT);
    }
    int[] argb = image.getRGB(0, 0, w, h, null, 0, w);
    float[] out = new float[h * w * 3];
    for (int i = 0, j = 0; i < argb.length; i++) {
      int p = argb[i];
      out[j++] = (p >> 16) & 0xFF;
      out[j++] = (p >> 8) & 0xFF;
      out[j++] = p & 0xFF;
    }
    return new Image(out, h, w, 3);
  }

  /**
   * Writes an 8-bit raster's {@code nc} channels to {@code out} from {@code offset} as {@code tc} channels (gray is
   * repeated for RGB; RGB becomes gray with {@code tf.image.rgb_to_grayscale}'s weights); false when the raster is
   * not one byte array.
   */
  private static boolean readBytesDirect(WritableRaster raster, int w, int h, int nc, float[] out, int offset,
      int tc) {
    if (!(raster.getDataBuffer() instanceof DataBufferByte db) || db.getNumBanks() != 1
        || !(raster.getSampleModel() instanceof ComponentSampleModel sm)) {
      return false;
    }
    int[] banks = sm.getBankIndices();
    for (int b = 0; b < nc; b++) {
      if (banks[b] != 0) {
        return false;
      }
    }
    byte[] data = db.getData();
    int[] bandOffsets = sm.getBandOffsets();
    int pixelStride = sm.getPixelStride();
    int scan = sm.getScanlineStride();
    int base = db.getOffset() - raster.getSampleModelTranslateY() * scan
        - raster.getSampleModelTranslateX() * pixelStride;
    if (tc != nc && !(tc == 3 && nc == 1) && !(tc == 1 && nc == 3)) {
      return false;
    }
    int j = offset;
    for (int y = 0; y < h; y++) {
      int row = base + y * scan;
      for (int x = 0; x < w; x++) {
        int p = row + x * pixelStride;
        if (tc == nc) {
          for (int b = 0; b < nc; b++) {
            out[j++] = data[p + bandOffsets[b]] & 0xFF;
          }
        } else if (nc == 1) {
          float v = data[p + bandOffsets[0]] & 0xFF;
          out[j++] = v;
          out[j++] = v;
          out[j++] = v;
        } else {
          out[j++] = ImageShaper.gray(data[p + bandOffsets[0]] & 0xFF, data[p + bandOffsets[1]] & 0xFF,
              data[p + bandOffsets[2]] & 0xFF);
        }
      }
    }
    return true;
  }

  private static void readSamples(WritableRaster raster, ColorModel cm, int w, int h, int nc, float[] out) {
    int bands = raster.getNumBands();
    float[] all = raster.getPixels(0, 0, w, h, (float[]) null);
    int bits = cm.getComponentSize(0);
    float scale = bits == 8 ? 1f : 255f / ((1L << bits) - 1);
    for (int i = 0, j = 0; i < w * h; i++) {
      for (int b = 0; b < nc; b++) {
        out[j++] = all[i * bands + b] * scale;
      }
    }
  }
}
