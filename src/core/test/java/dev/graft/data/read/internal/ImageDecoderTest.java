package dev.graft.data.read.internal;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.graft.error.DataException;

import java.awt.image.BufferedImage;
import java.io.ByteArrayOutputStream;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Random;
import javax.imageio.ImageIO;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.CsvSource;

/** Decoding straight into a batch buffer gives the pixels that decoding to an image and shaping it gives. */
class ImageDecoderTest {

  @ParameterizedTest(name = "{0} {1} to {2} channels at {3}x{3}")
  @CsvSource({"png, gray, 1, 16", "png, gray, 3, 16", "png, rgb, 3, 16", "png, rgb, 1, 16", "jpg, rgb, 3, 16",
      "jpg, gray, 3, 16", "png, rgb, 3, 9", "jpg, gray, 1, 7"})
  void decodingIntoABufferEqualsDecodingThenShaping(String format, String kind, int channels, int size)
      throws Exception {
    BufferedImage image = new BufferedImage(12, 16, kind.equals("gray") ? BufferedImage.TYPE_BYTE_GRAY
        : BufferedImage.TYPE_3BYTE_BGR);
    Random random = new Random(format.hashCode() + kind.hashCode());
    for (int y = 0; y < 16; y++) {
      for (int x = 0; x < 12; x++) {
        image.setRGB(x, y, random.nextInt(1 << 24));
      }
    }
    ByteArrayOutputStream out = new ByteArrayOutputStream();
    ImageIO.write(image, format, out);
    byte[] bytes = out.toByteArray();
    ImageTarget target = new ImageTarget(size == 16 ? 16 : size, size == 16 ? 12 : size, channels, true, false);
    float[] expected = new float[5 + target.size()];
    target.write(ImageDecoder.decode(bytes, "test"), expected, 5, "test");
    float[] direct = new float[5 + target.size()];
    ImageDecoder.decodeInto(bytes, "test", target, direct, 5);
    assertArrayEquals(expected, direct);
  }

  @Test
  void aThreadReusesItsReaderAndImageWithoutMixingImagesUp(@TempDir Path dir) throws Exception {
    Path[] files = new Path[3];
    for (int i = 0; i < files.length; i++) {
      files[i] = dir.resolve(i + ".jpg");
      Files.write(files[i], encode("jpg", BufferedImage.TYPE_3BYTE_BGR, new Random(i)));
    }
    Path truncated = dir.resolve("truncated.jpg");
    byte[] whole = Files.readAllBytes(files[0]);
    Files.write(truncated, java.util.Arrays.copyOf(whole, whole.length / 2));
    ImageTarget target = new ImageTarget(16, 12, 3, true, false);
    for (Path file : new Path[] {files[0], files[1], truncated, files[2], files[0]}) {
      float[] direct = new float[target.size()];
      if (file.equals(truncated)) {
        DataException e = assertThrows(DataException.class, () -> ImageDecoder.decodeInto(file, target, direct, 0));
        assertTrue(e.getMessage().contains("truncated.jpg"), e.getMessage());
        continue;
      }
      ImageDecoder.decodeInto(file, target, direct, 0);
      float[] expected = new float[target.size()];
      target.write(ImageDecoder.decode(Files.readAllBytes(file), "test"), expected, 0, "test");
      assertArrayEquals(expected, direct, file + " after the others on the same thread");
    }
  }

  private static byte[] encode(String format, int type, Random random) throws Exception {
    BufferedImage image = new BufferedImage(12, 16, type);
    for (int y = 0; y < 16; y++) {
      for (int x = 0; x < 12; x++) {
        image.setRGB(x, y, random.nextInt(1 << 24));
      }
    }
    ByteArrayOutputStream out = new ByteArrayOutputStream();
    ImageIO.write(image, format, out);
    return out.toByteArray();
  }
}
