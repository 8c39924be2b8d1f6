package dev.graft.spark;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.graft.testing.PythonSide;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import org.apache.spark.sql.Dataset;
import org.apache.spark.sql.Row;
import org.apache.spark.sql.SparkSession;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * Spark's features equal single-machine Graft's (as retrain's head-only training caches them) for the same images,
 * model, cut and preprocessing: a real ImageNet MobileNet on real X-rays, rows spread over several partitions.
 */
class FeatureParityTest {

  private static final double TOLERANCE = 1e-5;

  @TempDir static Path dir;
  private static Path model;
  private static Path images;
  private static List<Path> files = new ArrayList<>();
  private static float[][] expected;

  @BeforeAll
  static void singleMachine() throws Exception {
    model = PythonSide.fixture("mobilenet_v1_025_pooled");
    images = TestImages.xrays(dir.resolve("images"), 6);
    expected = SingleMachine.features(model, images, "symmetric", files);
  }

  @Test
  void binaryFileRowsGiveTheSingleMachineFeatures() {
    SparkSession spark = LocalSpark.session();
    Dataset<Row> rows = spark.read().format("binaryFile").option("recursiveFileLookup", "true")
        .load(images.toUri().toString());
    assertTrue(rows.rdd().getNumPartitions() >= 2, "the images should span several partitions");
    int before = ExecutorModels.loads();
    Dataset<Row> features = new GraftTransformer().setModelPath(model.toString()).setPreprocess("symmetric")
        .setBatchSize(4).transform(rows).select("path", "features");
    assertClose(collect(features), "binaryFile");
    assertTrue(ExecutorModels.loads() - before <= 1, "one model load for every task of the JVM, got "
        + (ExecutorModels.loads() - before) + " for " + rows.rdd().getNumPartitions() + " partitions");
  }

  @Test
  void imageSourceRowsGiveTheSingleMachineFeatures() throws Exception {
    SparkSession spark = LocalSpark.session();
    Dataset<Row> rows = spark.read().format("image").option("recursiveFileLookup", "true")
        .load(images.toUri().toString());
    Dataset<Row> features = new GraftTransformer().setModelPath(model.toString()).setPreprocess("symmetric")
        .setInputCol("image").setBatchSize(5).transform(rows).select("image.origin", "features");
    // Spark's image source decodes with ImageIO: the reference decodes the same way
    assertClose(collect(features), "image source", SingleMachine.featuresDecodedWithImageIo(model, files, "symmetric"));
  }

  private static void assertClose(Map<String, float[]> byFile, String source) {
    assertClose(byFile, source, expected);
  }

  private static void assertClose(Map<String, float[]> byFile, String source, float[][] expected) {
    assertEquals(files.size(), byFile.size(), "one row per image from the " + source);
    double worst = 0;
    for (int i = 0; i < files.size(); i++) {
      float[] got = byFile.get(files.get(i).toString());
      assertEquals(expected[i].length, got.length, "features of " + files.get(i));
      worst = Math.max(worst, Floats.maxAbsDiff(got, expected[i]));
    }
    System.out.printf("features from the %s: max abs difference %.3g from single-machine Graft over %d images%n",
        source, worst, files.size());
    assertTrue(worst <= TOLERANCE, "max abs difference " + worst + " over " + files.size() + " images");
  }

  private static Map<String, float[]> collect(Dataset<Row> features) {
    Map<String, float[]> byFile = new HashMap<>();
    for (Row row : features.collectAsList()) {
      byFile.put(ImageColumn.displayPath(row.getString(0)), Floats.cell(row, 1));
    }
    return byFile;
  }
}
