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
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** Spark's features equal single-machine Graft's for the same images, model, cut and preprocessing. */
class FeatureParityTest {

  private static final double TOLERANCE = 1e-5;

  @TempDir Path dir;

  @Test
  void binaryFileRowsGiveTheSingleMachineFeatures() throws Exception {
    Path model = PythonSide.fixture("mobilenet_v1_025_pooled");
    Path images = TestImages.xrays(dir.resolve("images"), 6);
    List<Path> files = new ArrayList<>();
    float[][] expected = SingleMachine.features(model, images, "symmetric", files);

    SparkSession spark = LocalSpark.session();
    Dataset<Row> rows = spark.read().format("binaryFile").option("recursiveFileLookup", "true")
        .load(images.toUri().toString());
    assertTrue(rows.rdd().getNumPartitions() >= 2, "the images should span several partitions");
    Dataset<Row> features = new GraftTransformer().setModelPath(model.toString()).setPreprocess("symmetric")
        .setBatchSize(4).transform(rows).select("path", "features");
    Map<String, float[]> byFile = collect(features);

    assertEquals(files.size(), byFile.size(), "one row per image");
    double worst = 0;
    for (int i = 0; i < files.size(); i++) {
      float[] got = byFile.get(files.get(i).toString());
      assertEquals(expected[i].length, got.length, "features of " + files.get(i));
      for (int k = 0; k < got.length; k++) {
        worst = Math.max(worst, Math.abs(got[k] - expected[i][k]));
      }
    }
    assertTrue(worst <= TOLERANCE, "max abs difference " + worst + " over " + files.size() + " images");
  }

  private static Map<String, float[]> collect(Dataset<Row> features) {
    Map<String, float[]> byFile = new HashMap<>();
    for (Row row : features.collectAsList()) {
      List<Float> values = row.getList(1);
      float[] f = new float[values.size()];
      for (int k = 0; k < f.length; k++) {
        f[k] = values.get(k);
      }
      byFile.put(ImageColumn.displayPath(row.getString(0)), f);
    }
    return byFile;
  }
}
