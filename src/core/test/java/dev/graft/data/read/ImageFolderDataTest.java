package dev.graft.data.read;

import dev.graft.data.spec.DataSources;
import dev.graft.data.LabeledData;
import dev.graft.data.TestData;
import dev.graft.error.DataException;
import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.Random;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

class ImageFolderDataTest {

  @TempDir
  Path dir;

  private final Random rng = new Random(1);

  @Test
  void readsClassesSortedAndExactPngPixels() throws Exception {
    float[] cat = TestData.pixels(rng, 4 * 5 * 3);
    float[] dog = TestData.pixels(rng, 4 * 5 * 3);
    TestData.write(dir.resolve("dog/a.png"), dog, 4, 5, 3);
    TestData.write(dir.resolve("cat/x/b.PNG"), cat, 4, 5, 3);
    Files.writeString(dir.resolve("cat/notes.txt"), "not an image");

    LabeledData data = ImageFolderData.open(dir, DataOptions.defaults());

    assertEquals(List.of("cat", "dog"), data.classNames());
    assertEquals(2, data.size());
    assertArrayEquals(new long[] {4, 5, 3}, data.exampleShape());
    assertEquals(0, data.label(0));
    assertEquals(1, data.label(1));
    assertArrayEquals(cat, TestData.read(data, 0));
    assertArrayEquals(dog, TestData.read(data, 1));
  }

  @Test
  void grayImageResizedAndConvertedToRgb() throws Exception {
    float[] gray = new float[] {0, 100, 200, 50};
    TestData.write(dir.resolve("a/g.png"), gray, 2, 2, 1);
    LabeledData data = ImageFolderData.open(dir, DataOptions.builder().optTargetShape(4, 4, 3).build());
    float[] x = TestData.read(data, 0);
    assertEquals(4 * 4 * 3, x.length);
    assertEquals(0f, x[0], 1e-4);
    assertEquals(x[0], x[1]);
    assertEquals(x[0], x[2]);
    // half-pixel-centred bilinear: output pixel (0,1) sits at source x = 0.25, between 0 and 100
    assertEquals(25f, x[3], 1e-4);
    // bottom-right corner stays the source corner
    assertEquals(50f, x[x.length - 1], 1e-4);
  }

  @Test
  void rgbConvertedToGrayWithTfWeights() throws Exception {
    TestData.write(dir.resolve("a/c.png"), new float[] {255, 0, 0, 0, 0, 255}, 1, 2, 3);
    LabeledData data = ImageFolderData.open(dir, DataOptions.builder().optTargetShape(-1, -1, 1).build());
    assertArrayEquals(new long[] {1, 2, 1}, data.exampleShape());
    assertArrayEquals(new float[] {0.2989f * 255, 0.1140f * 255}, TestData.read(data, 0), 1e-3f);
  }

  @Test
  void decodesJpegApproximately() throws Exception {
    float[] flat = new float[16 * 16 * 3];
    java.util.Arrays.fill(flat, 120);
    TestData.write(dir.resolve("a/f.jpg"), flat, 16, 16, 3);
    LabeledData data = ImageFolderData.open(dir, DataOptions.defaults());
    for (float v : TestData.read(data, 0)) {
      assertEquals(120f, v, 3f);
    }
  }

  @Test
  void corruptImageFailsOnReadNamingFile() throws Exception {
    TestData.write(dir.resolve("a/good.png"), TestData.pixels(rng, 9), 3, 3, 1);
    Path bad = dir.resolve("a/zbad.png");
    Files.write(bad, new byte[] {(byte) 0x89, 'P', 'N', 'G', 13, 10, 26, 10, 0, 0});
    LabeledData data = ImageFolderData.open(dir, DataOptions.defaults());
    DataException e = assertThrows(DataException.class, () -> TestData.read(data, 1));
    assertTrue(e.getMessage().startsWith(bad.toString() + ": cannot decode the image"), e.getMessage());
    assertTrue(e.getMessage().contains("pass skipBad (DataOptions.Builder.optSkipBad"), e.getMessage());
  }

  @Test
  void truncatedJpegIsCorrupt() throws Exception {
    byte[] jpeg = TestData.encode(TestData.pixels(rng, 32 * 32 * 3), 32, 32, 3, "jpeg");
    Path cut = dir.resolve("a/cut.jpg");
    Files.createDirectories(cut.getParent());
    Files.write(cut, java.util.Arrays.copyOf(jpeg, jpeg.length / 2));
    LabeledData data = ImageFolderData.open(dir, DataOptions.defaults());
    DataException e = assertThrows(DataException.class, () -> TestData.read(data, 0));
    assertTrue(e.getMessage().startsWith(cut + ": cannot decode the image"), e.getMessage());
  }

  @Test
  void skipBadLeavesOutUnreadableFilesAndCountsThem() throws Exception {
    TestData.write(dir.resolve("a/good.png"), TestData.pixels(rng, 9), 3, 3, 1);
    Files.writeString(dir.resolve("a/text.jpg"), "hello");
    TestData.write(dir.resolve("b/good.png"), TestData.pixels(rng, 9), 3, 3, 1);
    Files.write(dir.resolve("b/empty.png"), new byte[0]);
    LabeledData data = ImageFolderData.open(dir, DataOptions.builder().optSkipBad(true).build());
    assertEquals(2, data.size());
    assertEquals(2, data.skipped());
    assertTrue(data.skippedItems().get(0).source().endsWith("text.jpg"));
    assertTrue(data.skippedItems().get(1).reason().contains("empty"), data.skippedItems().get(1).reason());
  }

  @Test
  void emptyClassFolderFailsOrIsSkipped() throws Exception {
    TestData.write(dir.resolve("a/good.png"), TestData.pixels(rng, 9), 3, 3, 1);
    Files.createDirectories(dir.resolve("b"));
    DataException e = assertThrows(DataException.class, () -> ImageFolderData.open(dir, DataOptions.defaults()));
    assertTrue(e.getMessage().startsWith(dir.resolve("b") + ": class folder has no"), e.getMessage());
    LabeledData data = ImageFolderData.open(dir, DataOptions.builder().optSkipBad(true).build());
    assertEquals(List.of("a"), data.classNames());
    assertEquals(1, data.skipped());
  }

  @Test
  void emptyClassOutsideClassesOptionIsFine() throws Exception {
    TestData.write(dir.resolve("a/good.png"), TestData.pixels(rng, 9), 3, 3, 1);
    Files.createDirectories(dir.resolve("b"));
    LabeledData data = DataSources.open("folder:" + dir, DataOptions.builder().optClasses("a").build());
    assertEquals(List.of("a"), data.classNames());
    assertEquals(1, data.size());
  }

  @Test
  void folderWithoutClassFoldersFails() throws Exception {
    TestData.write(dir.resolve("a.png"), TestData.pixels(rng, 9), 3, 3, 1);
    DataException e = assertThrows(DataException.class, () -> ImageFolderData.open(dir, DataOptions.defaults()));
    assertTrue(e.getMessage().contains("has no class folders"), e.getMessage());
    DataException missing = assertThrows(DataException.class,
        () -> ImageFolderData.open(dir.resolve("nope"), DataOptions.defaults()));
    assertTrue(missing.getMessage().contains("does not exist; expected a folder"), missing.getMessage());
  }

  @Test
  void otherSizeWithoutTargetIsRefusedNamingFile() throws Exception {
    TestData.write(dir.resolve("a/1.png"), TestData.pixels(rng, 9), 3, 3, 1);
    Path other = TestData.write(dir.resolve("a/2.png"), TestData.pixels(rng, 8), 2, 4, 1);
    LabeledData data = ImageFolderData.open(dir, DataOptions.defaults());
    DataException e = assertThrows(DataException.class, () -> TestData.read(data, 1));
    assertTrue(e.getMessage().startsWith(other + ": is 2x4 pixels but the data's images are 3x3"), e.getMessage());
    LabeledData resized = ImageFolderData.open(dir, DataOptions.builder().optTargetShape(3, 3, 1).build());
    assertEquals(9, TestData.read(resized, 1).length);
  }
}
