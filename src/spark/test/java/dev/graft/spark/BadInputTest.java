package dev.graft.spark;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.graft.Graft;
import dev.graft.error.GraftException;
import dev.graft.error.DataException;
import dev.graft.data.read.DataOptions;
import dev.graft.data.spec.DataSources;
import dev.graft.data.LabeledData;
import dev.graft.extract.FeatureOptions;
import dev.graft.testing.PythonSide;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import org.apache.spark.sql.SparkSession;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** Bad input in a Spark run gives the message one machine gives, naming the file; --skip-bad works there too. */
class BadInputTest {

  @TempDir static Path dir;
  private static Path model;
  private static Path images;
  private static Path bad;

  @BeforeAll
  static void images() throws Exception {
    model = PythonSide.fixture("mobilenet_v1_025_pooled");
    images = TestImages.xrays(dir.resolve("images"), 3);
    bad = images.resolve("PNEUMONIA").resolve("scan-0000.jpeg");
    Files.writeString(bad, "this is no image", StandardCharsets.UTF_8);
  }

  private static Featurize.Job.Builder job(String features) {
    return Featurize.Job.builder().setModel(model).setData(images.toString())
        .setFeatures(dir.resolve(features).toString()).optBatchSize(4)
        .optOptions(FeatureOptions.builder().optPreprocess("symmetric").build());
  }

  @Test
  void unreadableImageFailsWithTheSingleMachineMessage() throws Exception {
    LabeledData data = DataSources.open(images.toString(), DataOptions.builder().optTargetShape(224, 224, 3).build());
    String expected = null;
    for (int i = 0; i < data.size() && expected == null; i++) {
      try {
        data.readFloats(i, new float[224 * 224 * 3], 0);
      } catch (DataException e) {
        expected = e.getMessage();
      }
    }
    assertTrue(expected != null && expected.startsWith(bad.toString() + ": "), "one machine names the file: "
        + expected);

    DataException spark = assertThrows(DataException.class,
        () -> Featurize.run(LocalSpark.session(), job("features").build()));
    assertEquals(expected, spark.getMessage());
    assertTrue(!Files.exists(dir.resolve("features")), "nothing half-written under the table's name");
    try (var left = Files.list(dir)) {
      assertEquals(java.util.List.of(), left.map(p -> p.getFileName().toString())
          .filter(n -> n.startsWith("features")).toList(), "no temporary folder left behind");
    }
  }

  @Test
  void skipBadLeavesTheImageOutAndCountsIt() {
    LabeledData data = DataSources.open(images.toString(), DataOptions.builder().optTargetShape(224, 224, 3)
        .optSkipBad(true).build());
    Featurize.Result result = Featurize.run(LocalSpark.session(), job("skipped").optSkipBad(true).build());
    assertEquals(data.size(), result.table().info().rows(), "the rows one machine keeps");
    assertEquals(1, result.table().info().skipped());
    assertEquals(1, result.skippedItems().size());
    assertTrue(result.skippedItems().get(0).startsWith(bad + ": "), result.skippedItems().get(0));
  }

  @Test
  void modelMissingOnAnExecutorFailsWithTheSingleMachineMessage() {
    Path missing = dir.resolve("no-such-model");
    String expected = assertThrows(GraftException.class, () -> Graft.load(missing)).getMessage();
    SparkSession spark = LocalSpark.session();
    Exception failure = assertThrows(Exception.class, () -> new GraftTransformer()
        .setModelPath(missing.toString()).transform(spark.read().format("binaryFile").option("recursiveFileLookup",
            "true").load(images.resolve("NORMAL").toString())).count());
    RuntimeException cause = SparkJobs.unwrap(failure);
    assertTrue(cause instanceof GraftException, "a Graft exception, not " + failure);
    assertTrue(cause.getMessage().startsWith(expected), cause.getMessage());
    assertTrue(cause.getMessage().contains("Checked on executor driver"), cause.getMessage());
    assertTrue(cause.getMessage().contains("--archives model.zip#no-such-model"), cause.getMessage());
  }

  @Test
  void folderWithoutClassFoldersIsRefusedBeforeAnyTask() {
    DataException e = assertThrows(DataException.class, () -> Featurize.run(LocalSpark.session(),
        job("none").setData(dir.resolve("nothing-here").toString()).build()));
    assertEquals(dir.resolve("nothing-here") + ": does not exist; expected a folder of class folders of images, "
        + "DIR/<class>/<image>.jpg|png", e.getMessage());
  }
}
