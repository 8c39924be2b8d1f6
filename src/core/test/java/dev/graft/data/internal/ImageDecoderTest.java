package dev.graft.data.internal;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;

import java.awt.image.BufferedImage;
import java.io.ByteArrayOutputStream;
import java.util.Random;
import javax.imageio.ImageIO;
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
}
