package dev.graft.data.read.internal;

import dev.graft.error.DataException;
import java.awt.image.BufferedImage;
import java.io.IOException;
import java.io.InputStream;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Iterator;
import java.util.List;
import java.util.Locale;
import javax.imageio.IIOException;
import javax.imageio.ImageReadParam;
import javax.imageio.ImageReader;
import javax.imageio.ImageTypeSpecifier;
import javax.imageio.spi.ImageReaderSpi;

/**
 * One thread's decoding state, reused from one image to the next: the file's bytes, a reader per format and the
 * decoded image, which the next image of the same size and type is decoded into. A pass over thousands of images
 * then makes little garbage per image, so the Java heap stays where it is however many images pass.
 */
final class DecoderState {

  private static final ThreadLocal<DecoderState> CURRENT = ThreadLocal.withInitial(DecoderState::new);

  private byte[] bytes = new byte[64 << 10];
  private int length;
  private ImageReader jpeg;
  private ImageReader png;
  private final List<String> warnings = new ArrayList<>();
  private BufferedImage destination;

  private DecoderState() {}

  /** The calling thread's state. */
  static DecoderState current() {
    return CURRENT.get();
  }

  /** Reads {@code file} into this state's byte buffer; {@link #bytes} and {@link #length} then hold it. */
  void readFile(Path file) {
    try (InputStream in = Files.newInputStream(file)) {
      long size = Files.size(file);
      if (size > Integer.MAX_VALUE - 16) {
        throw new DataException(file.toString(), "is " + size + " bytes, too large for an image; remove it, or "
            + DataException.SKIP_HINT);
      }
      if (bytes.length < size + 1) {
        bytes = new byte[(int) Math.max(size + 1, bytes.length * 2L)];
      }
      int n = 0;
      for (int r; n < bytes.length && (r = in.read(bytes, n, bytes.length - n)) > 0; ) {
        n += r;
        if (n == bytes.length) {
          bytes = java.util.Arrays.copyOf(bytes, bytes.length * 2);
        }
      }
      length = n;
    } catch (IOException e) {
      throw new DataException(file.toString(), "cannot read the file (" + e + "); check that it exists and is readable, "
          + "or " + DataException.SKIP_HINT, e);
    }
  }

  byte[] bytes() {
    return bytes;
  }

  int length() {
    return length;
  }

  /**
   * Decodes the first {@code length} bytes of {@code data} with this thread's reader for their format, into the
   * previous image's pixels when the size and type match. The image returned is overwritten by the next decode on
   * this thread.
   *
   * @return the decoded image, or null when the bytes are neither JPEG nor PNG (the caller falls back)
   */
  BufferedImage decode(byte[] data, int length, String source, ImageReaderSpi jpegSpi, ImageReaderSpi pngSpi)
      throws IOException {
    ImageReader reader = reader(data, length, jpegSpi, pngSpi);
    if (reader == null) {
      return null;
    }
    warnings.clear();
    boolean failed = false;
    try (ByteArrayImageInputStream in = new ByteArrayImageInputStream(data, length)) {
      reader.setInput(in, true, true);
      ImageReadParam param = reader.getDefaultReadParam();
      int w = reader.getWidth(0);
      int h = reader.getHeight(0);
      ImageDecoder.checkSize(w, h, source);
      Iterator<ImageTypeSpecifier> types = reader.getImageTypes(0);
      ImageTypeSpecifier type = types.hasNext() ? types.next() : null;
      if (destination != null && type != null && type.getBufferedImageType() != BufferedImage.TYPE_CUSTOM
          && type.getBufferedImageType() == destination.getType() && destination.getWidth() == w
          && destination.getHeight() == h) {
        param.setDestination(destination);
      }
      BufferedImage image = reader.read(0, param);
      for (String warning : warnings) {
        String lower = warning.toLowerCase(Locale.ROOT);
        if (lower.contains("premature end") || lower.contains("truncated")) {
          throw new IIOException(warning);
        }
      }
      destination = image;
      return image;
    } catch (IOException | RuntimeException e) {
      failed = true;
      // A reader that failed half-way is not reused.
      reader.dispose();
      jpeg = reader == jpeg ? null : jpeg;
      png = reader == png ? null : png;
      destination = null;
      throw e;
    } finally {
      if (!failed) {
        reader.setInput(null);
      }
    }
  }

  private ImageReader reader(byte[] data, int length, ImageReaderSpi jpegSpi, ImageReaderSpi pngSpi)
      throws IOException {
    if (length >= 8 && (data[0] & 0xFF) == 0x89 && data[1] == 'P' && data[2] == 'N' && data[3] == 'G'
        && pngSpi != null) {
      if (png == null) {
        png = pngSpi.createReaderInstance();
        png.addIIOReadWarningListener((r, warning) -> warnings.add(warning));
      }
      return png;
    }
    if (length >= 3 && (data[0] & 0xFF) == 0xFF && (data[1] & 0xFF) == 0xD8 && jpegSpi != null) {
      if (jpeg == null) {
        jpeg = jpegSpi.createReaderInstance();
        jpeg.addIIOReadWarningListener((r, warning) -> warnings.add(warning));
      }
      return jpeg;
    }
    return null;
  }
}
