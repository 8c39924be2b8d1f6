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

class CsvDataTest {

  @TempDir
  Path dir;

  private Path csv(String name, String text) throws Exception {
    return Files.writeString(dir.resolve(name), text);
  }

  @Test
  void headerAndStringLabels() throws Exception {
    Path f = csv("iris.csv", "a,b,species\n1.5,2,versicolor\n\n-3,4e1,setosa\n");
    LabeledData data = CsvData.open(f, DataOptions.defaults());
    assertEquals(List.of("setosa", "versicolor"), data.classNames());
    assertArrayEquals(new long[] {2}, data.exampleShape());
    assertEquals(2, data.size());
    assertEquals(1, data.label(0));
    assertArrayEquals(new float[] {-3, 40}, TestData.read(data, 1));
  }

  @Test
  void noHeaderIntLabelsLastColumn() throws Exception {
    LabeledData data = CsvData.open(csv("n.csv", "1,2,0\n3,4,2\n"), DataOptions.defaults());
    assertEquals(List.of("0", "1", "2"), data.classNames());
    assertEquals(2, data.label(1));
    assertArrayEquals(new float[] {1, 2}, TestData.read(data, 0));
  }

  @Test
  void labelColumnByNameOrIndex() throws Exception {
    Path f = csv("l.csv", "y,x1,x2\ncat,1,2\ndog,3,\"4\"\n");
    LabeledData byName = CsvData.open(f, DataOptions.builder().optLabelColumn("y").build());
    LabeledData byIndex = CsvData.open(f, DataOptions.builder().optLabelColumn("0").build());
    for (LabeledData d : List.of(byName, byIndex)) {
      assertEquals(List.of("cat", "dog"), d.classNames());
      assertArrayEquals(new float[] {3, 4}, TestData.read(d, 1));
    }
    DataException e = assertThrows(DataException.class,
        () -> CsvData.open(f, DataOptions.builder().optLabelColumn("kind").build()));
    assertTrue(e.getMessage().contains("has no label column 'kind'; its columns are [y, x1, x2]"), e.getMessage());
  }

  @Test
  void badValueNamesFileAndLine() throws Exception {
    Path f = csv("bad.csv", "a,b,label\n1,2,x\n1,oops,y\n5,6,y\n");
    DataException e = assertThrows(DataException.class, () -> CsvData.open(f, DataOptions.defaults()));
    assertEquals(f + ":3: column 'b' (1) holds 'oops', expected a finite number; fix the value, or pass skipBad "
        + "(" + DataException.SETTINGS.get("skipBad") + ") to skip such items", e.getMessage());
    LabeledData data = CsvData.open(f, DataOptions.builder().optSkipBad(true).build());
    assertEquals(2, data.size());
    assertEquals(1, data.skipped());
    assertEquals(f + ":3", data.skippedItems().get(0).source());
  }

  @Test
  void wrongColumnCountAndNanAreBad() throws Exception {
    Path f = csv("cols.csv", "1,2,0\n1,0\n1,NaN,1\n");
    DataException e = assertThrows(DataException.class, () -> CsvData.open(f, DataOptions.defaults()));
    assertTrue(e.getMessage().startsWith(f + ":2: has 2 columns, expected 3"), e.getMessage());
    assertEquals(2, CsvData.open(f, DataOptions.builder().optSkipBad(true).build()).skipped());
  }

  @Test
  void labelOutsideClassNamesIsBad() throws Exception {
    Path f = csv("range.csv", "1,0\n2,5\n");
    DataOptions names = DataOptions.builder().optClassNames(List.of("a", "b")).build();
    DataException e = assertThrows(DataException.class, () -> CsvData.open(f, names));
    assertTrue(e.getMessage().startsWith(f + ":2: label '5' is outside 0..1"), e.getMessage());
  }

  @Test
  void imageListWithRelativePaths() throws Exception {
    float[] p = TestData.pixels(new Random(2), 6);
    TestData.write(dir.resolve("img/a.png"), p, 2, 3, 1);
    TestData.write(dir.resolve("img/b.png"), p, 2, 3, 1);
    Path f = csv("list.csv", "path,label\nimg/a.png,dog\nimg/b.png,cat\n");
    LabeledData data = DataSources.open("csv:" + f, DataOptions.defaults());
    assertEquals(List.of("cat", "dog"), data.classNames());
    assertArrayEquals(new long[] {2, 3, 1}, data.exampleShape());
    assertEquals(1, data.label(0));
    assertArrayEquals(p, TestData.read(data, 1));
  }

  @Test
  void imageListMissingFileNamesLine() throws Exception {
    TestData.write(dir.resolve("a.png"), new float[4], 2, 2, 1);
    Path f = csv("list.csv", "a.png,0\nmissing.png,1\n");
    DataException e = assertThrows(DataException.class, () -> CsvData.open(f, DataOptions.defaults()));
    assertTrue(e.getMessage().startsWith(f + ":2: image file " + dir.resolve("missing.png") + " does not exist"),
        e.getMessage());
    assertEquals(1, CsvData.open(f, DataOptions.builder().optSkipBad(true).build()).size());
  }

  @Test
  void targetShapeOnFeatureVectorsIsRefused() throws Exception {
    Path f = csv("v.csv", "1,2,0\n");
    DataException e = assertThrows(DataException.class,
        () -> CsvData.open(f, DataOptions.builder().optTargetShape(2, 2, 1).build()));
    assertTrue(e.getMessage().contains("holds feature vectors of 2 numbers"), e.getMessage());
  }
}
