package dev.graft.data.read;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assumptions.assumeTrue;

import dev.graft.data.spec.DataSources;
import dev.graft.data.LabeledData;
import dev.graft.data.view.LabeledDatas;
import dev.graft.data.TestData;
import dev.graft.data.read.internal.IdxFiles;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Arrays;
import java.util.List;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

class FashionMnistTest {

  @Test
  void bundledSubsetHasBalancedClasses() {
    LabeledData train = DataSources.open("fashion-mnist-subset", DataOptions.defaults());
    LabeledData test = DataSources.open("fashion-mnist-subset:test", DataOptions.defaults());
    assertEquals(6000, train.size());
    assertEquals(2000, test.size());
    assertEquals(FashionMnist.CLASS_NAMES, train.classNames());
    int[] trainCounts = new int[10];
    Arrays.fill(trainCounts, 600);
    int[] testCounts = new int[10];
    Arrays.fill(testCounts, 200);
    assertArrayEquals(trainCounts, LabeledDatas.classCounts(train));
    assertArrayEquals(testCounts, LabeledDatas.classCounts(test));
    assertArrayEquals(new long[] {28, 28, 1}, train.exampleShape());
  }

  @Test
  void classesOptionRemapsInListedOrder() {
    LabeledData shoes = DataSources.open("fashion-mnist-subset:test",
        DataOptions.builder().optClasses("9,Sandal,7").build());
    assertEquals(List.of("Ankle boot", "Sandal", "Sneaker"), shoes.classNames());
    assertEquals(600, shoes.size());
    assertArrayEquals(new int[] {200, 200, 200}, LabeledDatas.classCounts(shoes));
  }

  @Test
  void bundledSubsetIsTheFirstImagesOfTheInstalledSet() {
    Path dir = FashionMnist.DEBIAN_DIR;
    assumeTrue(Files.isRegularFile(dir.resolve("t10k-images-idx3-ubyte.gz")), "Debian's Fashion-MNIST is not installed");
    LabeledData full = FashionMnist.openDirectory(dir, FashionMnist.Split.TEST, DataOptions.defaults());
    LabeledData subset = FashionMnist.openBundled(FashionMnist.Split.TEST, DataOptions.defaults());
    assertEquals(10000, full.size());
    assertArrayEquals(TestData.read(full, 0), TestData.read(subset, 0));
    assertEquals(full.label(0), subset.label(0));
  }

  @Test
  void namedSetPrefersInstalledFiles() {
    assumeTrue(FashionMnist.directory().isPresent(), "no full Fashion-MNIST installed");
    assertEquals(10000, DataSources.open("fashion-mnist:test", DataOptions.defaults()).size());
  }

  @Test
  void propertyPointsElsewhere(@TempDir Path dir) throws Exception {
    for (FashionMnist.Split s : FashionMnist.Split.values()) {
      IdxFiles.write(dir.resolve(s.imagesFile()), new int[] {2, 28, 28}, new byte[2 * 784]);
      IdxFiles.write(dir.resolve(s.labelsFile() + ".gz"), new int[] {2}, new byte[] {3, 4});
    }
    System.setProperty(FashionMnist.DIR_PROPERTY, dir.toString());
    try {
      LabeledData data = DataSources.open("fashion-mnist:test", DataOptions.defaults());
      assertEquals(2, data.size());
      assertEquals("Coat", data.classNames().get(data.label(1)));
    } finally {
      System.clearProperty(FashionMnist.DIR_PROPERTY);
    }
  }
}
