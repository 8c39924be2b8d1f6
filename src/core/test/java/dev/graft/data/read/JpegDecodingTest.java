package dev.graft.data.read;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import com.fasterxml.jackson.databind.ObjectMapper;
import dev.graft.data.TestData;
import dev.graft.data.read.internal.ImageDecoder;
import dev.graft.testing.PythonSide;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.List;
import java.util.Random;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** JPEG files decode to the pixels Python's {@code tf.io.decode_jpeg} gives, through TensorFlow's own decoder. */
class JpegDecodingTest {

  @TempDir
  Path dir;

  /** A smooth picture with some noise, as photographs and X-rays are, so that JPEG keeps it close. */
  private static float[] picture(int h, int w, int c, long seed) {
    Random rng = new Random(seed);
    float[] p = new float[h * w * c];
    for (int y = 0; y < h; y++) {
      for (int x = 0; x < w; x++) {
        for (int ch = 0; ch < c; ch++) {
          double v = 128 + 90 * Math.sin(x / 7.0 + ch) * Math.cos(y / 11.0) + rng.nextGaussian() * 6;
          p[(y * w + x) * c + ch] = (float) Math.max(0, Math.min(255, Math.round(v)));
        }
      }
    }
    return p;
  }

  @Test
  void decodesExactlyAsPythonTensorFlow() throws Exception {
    Path rgb = TestData.write(dir.resolve("rgb.jpg"), picture(48, 64, 3, 1), 48, 64, 3);
    Path gray = TestData.write(dir.resolve("gray.jpg"), picture(33, 20, 1, 2), 33, 20, 1);
    Path out = dir.resolve("python.bin");

    String shapes = PythonSide.run(Duration.ofMinutes(2), "decode_jpeg.py", out.toString(), rgb.toString(),
        gray.toString());

    int[][] expectedShapes = new ObjectMapper().readValue(shapes.strip(), int[][].class);
    assertArrayEquals(new int[] {48, 64, 3}, expectedShapes[0]);
    assertArrayEquals(new int[] {33, 20, 1}, expectedShapes[1]);
    byte[] python = Files.readAllBytes(out);
    int offset = 0;
    for (Path file : List.of(rgb, gray)) {
      ImageDecoder.Image image = ImageDecoder.decode(Files.readAllBytes(file), file.toString());
      float[] expected = new float[image.pixels().length];
      for (int i = 0; i < expected.length; i++) {
        expected[i] = python[offset + i] & 0xFF;
      }
      offset += expected.length;
      assertArrayEquals(expected, image.pixels(), file + " differs from tf.io.decode_jpeg");
    }
    assertEquals(python.length, offset);
  }

  @Test
  void agreesWithImageIoWithinJpegRounding() throws Exception {
    float[] original = picture(40, 40, 3, 3);
    byte[] jpeg = TestData.encode(original, 40, 40, 3, "jpeg");

    ImageDecoder.Image tf = ImageDecoder.decode(jpeg, "picture");
    ImageDecoder.Image imageIo = ImageDecoder.decodeWithImageIo(jpeg, "picture");

    assertEquals(List.of(40, 40, 3), List.of(tf.height(), tf.width(), tf.channels()));
    assertEquals(List.of(40, 40, 3), List.of(imageIo.height(), imageIo.width(), imageIo.channels()));
    double sum = 0;
    float max = 0;
    for (int i = 0; i < original.length; i++) {
      float d = Math.abs(tf.pixels()[i] - imageIo.pixels()[i]);
      sum += d;
      max = Math.max(max, d);
    }
    // Two IDCTs and chroma upsamplers of the same file: a level or two apart, never a different picture.
    assertTrue(sum / original.length < 1.5, "mean difference " + sum / original.length);
    assertTrue(max <= 16, "largest difference " + max);
  }
}
