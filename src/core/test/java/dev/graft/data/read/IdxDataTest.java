package dev.graft.data.read;

import dev.graft.data.LabeledData;
import dev.graft.data.TestData;
import dev.graft.error.DataException;
import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Arrays;
import java.util.List;
import java.util.Random;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

class IdxDataTest {

  @TempDir
  Path dir;

  private final float[] pixels = TestData.pixels(new Random(3), 3 * 4 * 5);

  private Path images(String name, boolean gz) throws Exception {
    byte[] idx = TestData.idx(new int[] {3, 4, 5}, TestData.bytes(pixels));
    return Files.write(dir.resolve(name), gz ? TestData.gzip(idx) : idx);
  }

  private Path labels(String name, byte... labels) throws Exception {
    return Files.write(dir.resolve(name), TestData.idx(new int[] {labels.length}, labels));
  }

  @Test
  void readsPlainAndGzippedFiles() throws Exception {
    Path lab = labels("labels", (byte) 2, (byte) 0, (byte) 1);
    for (boolean gz : new boolean[] {false, true}) {
      LabeledData data = IdxData.open(images(gz ? "img.gz" : "img", gz), lab, DataOptions.defaults());
      assertEquals(3, data.size());
      assertArrayEquals(new long[] {4, 5, 1}, data.exampleShape());
      assertEquals(List.of("0", "1", "2"), data.classNames());
      assertEquals(2, data.label(0));
      assertArrayEquals(Arrays.copyOfRange(pixels, 20, 40), TestData.read(data, 1));
    }
  }

  @Test
  void targetShapeResizesAndConverts() throws Exception {
    LabeledData data = IdxData.open(images("img", false), labels("l", (byte) 0, (byte) 0, (byte) 0),
        DataOptions.builder().optTargetShape(8, 10, 3).build());
    assertArrayEquals(new long[] {8, 10, 3}, data.exampleShape());
    float[] x = TestData.read(data, 0);
    assertEquals(8 * 10 * 3, x.length);
    assertEquals(pixels[0], x[0], 1e-4);
    assertEquals(x[0], x[2]);
  }

  @Test
  void badMagicNamesTheFile() throws Exception {
    Path bad = Files.write(dir.resolve("bad"), new byte[] {1, 2, 3, 4, 0, 0, 0, 1, 9});
    DataException e = assertThrows(DataException.class,
        () -> IdxData.open(bad, labels("l", (byte) 0), DataOptions.defaults()));
    assertTrue(e.getMessage().startsWith(bad + ": has magic number 0x01020304"), e.getMessage());
  }

  @Test
  void truncatedFileNamesTheFileAndSizes() throws Exception {
    byte[] idx = TestData.idx(new int[] {3, 4, 5}, TestData.bytes(pixels));
    Path cut = Files.write(dir.resolve("cut.gz"), TestData.gzip(Arrays.copyOf(idx, idx.length - 7)));
    DataException e = assertThrows(DataException.class,
        () -> IdxData.open(cut, labels("l", (byte) 0, (byte) 0, (byte) 0), DataOptions.defaults()));
    assertTrue(e.getMessage().startsWith(cut + ": header says [3, 4, 5] (60 data bytes) but the file holds only 53"),
        e.getMessage());
  }

  @Test
  void extraBytesAreRefused() throws Exception {
    byte[] idx = TestData.idx(new int[] {3, 4, 5}, TestData.bytes(pixels));
    Path longer = Files.write(dir.resolve("long"), Arrays.copyOf(idx, idx.length + 3));
    DataException e = assertThrows(DataException.class,
        () -> IdxData.open(longer, labels("l", (byte) 0, (byte) 0, (byte) 0), DataOptions.defaults()));
    assertTrue(e.getMessage().contains("holds 3 bytes more"), e.getMessage());
  }

  @Test
  void labelCountMustMatchImageCount() throws Exception {
    Path lab = labels("few", (byte) 0, (byte) 1);
    DataException e = assertThrows(DataException.class,
        () -> IdxData.open(images("img", false), lab, DataOptions.defaults()));
    assertTrue(e.getMessage().startsWith(lab + ": holds 2 labels but"), e.getMessage());
  }

  @Test
  void swappedFilesAreExplained() throws Exception {
    Path lab = labels("l", (byte) 0, (byte) 1, (byte) 1);
    DataException e = assertThrows(DataException.class,
        () -> IdxData.open(lab, images("img", false), DataOptions.defaults()));
    assertTrue(e.getMessage().contains("pass the images file first"), e.getMessage());
  }

  @Test
  void labelOutsideClassNamesFailsOrIsSkipped() throws Exception {
    Path lab = labels("l", (byte) 0, (byte) 7, (byte) 1);
    DataOptions named = DataOptions.builder().optClassNames(List.of("a", "b")).build();
    DataException e = assertThrows(DataException.class, () -> IdxData.open(images("img", false), lab, named));
    assertTrue(e.getMessage().startsWith(lab + ": label 7 of item 1 is outside 0..1"), e.getMessage());
    LabeledData data = IdxData.open(images("img", false), lab, named.toBuilder().optSkipBad(true).build());
    assertEquals(2, data.size());
    assertEquals(1, data.skipped());
    assertArrayEquals(Arrays.copyOfRange(pixels, 40, 60), TestData.read(data, 1));
  }
}
