package dev.graft.data.internal;

import dev.graft.data.DataException;
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
    if (isJpeg(bytes)) {
      Image image = TfJpegDecoder.shared().decode(bytes);
      if (image != null) {
        return image;
      }
    }
    return decodeWithImageIo(bytes, source);
  }

  /** Decodes encoded image bytes with ImageIO alone (JPEG files too). */
  public static Image decodeWithImageIo(byte[] bytes, String source) {
    List<String> warnings = new ArrayList<>();
    ImageReader reader = reader(bytes, source);
    reader.addIIOReadWarningListener((r, warning) -> warnings.add(warning));
    try (ImageInputStream in = new ByteArrayImageInputStream(bytes)) {
      reader.setInput(in, true, true);
      BufferedImage image = reader.read(0);
      for (String w : warnings) {
        String lower = w.toLowerCase(Locale.ROOT);
        if (lower.contains("premature end") || lower.contains("truncated")) {
          throw new IIOException(w);
        }
      }
      return toFloats(image, source);
    } catch (IOException | RuntimeException e) {
      if (e instanceof DataException de) {
        throw de;
      }
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
        return size(reader);
      } finally {
        reader.dispose();
      }
    } catch (IOException | RuntimeException e) {
      if (e instanceof DataException de) {
        throw de;
      }
      throw corrupt(file.toString(), e);
    }
  }

  /** Reads an encoded image's height, width and channels from its header. */
  public static Size probe(byte[] bytes, String source) {
    ImageReader reader = reader(bytes, source);
    try (ImageInputStream in = new ByteArrayImageInputStream(bytes)) {
      reader.setInput(in, true, true);
      return size(reader);
    } catch (IOException | RuntimeException e) {
      if (e instanceof DataException de) {
        throw de;
      }
      throw corrupt(source, e);
    } finally {
      reader.dispose();
    }
  }

  private static Size size(ImageReader reader) throws IOException {
    int w = reader.getWidth(0);
    int h = reader.getHeight(0);
    ImageTypeSpecifier type = reader.getRawImageType(0);
    if (type == null) {
      Iterator<ImageTypeSpecifier> types = reader.getImageTypes(0);
      type = types.hasNext() ? types.next() : null;
    }
    int channels = type != null && type.getColorModel().getNumColorComponents() == 1 ? 1 : 3;
    return new Size(h, w, channels);
  }

  static boolean isJpeg(byte[] bytes) {
    return bytes.length >= 3 && (bytes[0] & 0xFF) == 0xFF && (bytes[1] & 0xFF) == 0xD8;
  }

  private static DataException corrupt(String source, Exception e) {
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
      if (isJpeg(bytes) && JPEG != null) {
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
    if (cm instanceof ComponentColorModel
        && ((type == ColorSpace.TYPE_GRAY && nc == 1) || (type == ColorSpace.TYPE_RGB && nc == 3))) {
      float[] out = new float[h * w * nc];
      WritableRaster raster = image.getRaster();
      if (!readBytesDirect(raster, w, h, nc, out)) {
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

  private static boolean readBytesDirect(WritableRaster raster, int w, int h, int nc, float[] out) {
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
    int j = 0;
    for (int y = 0; y < h; y++) {
      int row = base + y * scan;
      for (int x = 0; x < w; x++) {
        int p = row + x * pixelStride;
        for (int b = 0; b < nc; b++) {
          out[j++] = data[p + bandOffsets[b]] & 0xFF;
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
