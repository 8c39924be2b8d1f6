package dev.graft.cli;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.TestInstance;
import org.junit.jupiter.api.io.TempDir;

/** The README's main job, and what a user does next with its export, run in-process. */
@TestInstance(TestInstance.Lifecycle.PER_CLASS)
class RetrainCommandTest {

  @TempDir static Path dir;
  private Path export;
  private CliRunner mainJob;

  @BeforeAll
  void runTheMainJobWithOneEpoch() {
    mainJob = CliRunner.run("retrain", "--epochs", "1", "--out", dir.resolve("runs").toString());
    export = dir.resolve("runs/1");
  }

  @Test
  void mainJobExportsAModelThatBeatsChanceByAWideMargin() throws Exception {
    assertEquals(0, mainJob.exitCode(), mainJob.err());
    Matcher test = Pattern.compile("test +accuracy (0\\.\\d+)").matcher(mainJob.out());
    assertTrue(test.find(), mainJob.out());
    assertTrue(Double.parseDouble(test.group(1)) > 0.8, "5 classes: chance is 0.2; got " + test.group(1));
    assertTrue(mainJob.out().contains("export   " + export), mainJob.out());
    // the step runs where TensorFlow placed it: CPU on a machine without a GPU, a GPU where one is visible
    assertTrue(java.util.regex.Pattern.compile("(?m)^device   (CPU:0 \\(no GPU in use\\)|.*GPU:\\d.*)$")
        .matcher(mainJob.out()).find(), mainJob.out());
    for (String file : new String[] {"v1-loss.png", "v1-accuracy.png", "v1-confusion.png", "v1-metrics.csv"}) {
      assertTrue(Files.size(dir.resolve("runs").resolve(file)) > 0, file);
    }
    JsonNode meta = new ObjectMapper().readTree(export.resolve("assets.extra/graft.json").toFile());
    assertEquals(1, meta.get("options").get("epochs").asInt());
    assertEquals("head", meta.get("options").get("train").asText());
    assertTrue(meta.get("metrics").get("testAccuracy").asDouble() > 0.8);
    assertKeysSorted(meta, "graft.json");
  }

  /** graft.json lists every object's keys in order, so that two exports of one model are byte-identical. */
  private static void assertKeysSorted(JsonNode node, String where) {
    if (node.isObject()) {
      List<String> keys = new ArrayList<>();
      node.fieldNames().forEachRemaining(keys::add);
      assertEquals(keys.stream().sorted().toList(), keys, "keys of " + where);
      node.fields().forEachRemaining(e -> assertKeysSorted(e.getValue(), where + "." + e.getKey()));
    } else if (node.isArray()) {
      for (int i = 0; i < node.size(); i++) {
        assertKeysSorted(node.get(i), where + "[" + i + "]");
      }
    }
  }

  @Test
  void evaluateReadsTheExportAndAgreesWithTheRun() throws Exception {
    CliRunner r = CliRunner.run("evaluate", "--model", export.toString(), "--data", "fashion-mnist:test",
        "--classes", "5,6,7,8,9", "--json");
    assertEquals(0, r.exitCode(), r.err());
    JsonNode json = new ObjectMapper().readTree(r.out());
    JsonNode meta = new ObjectMapper().readTree(export.resolve("assets.extra/graft.json").toFile());
    assertEquals(meta.get("metrics").get("testAccuracy").asDouble(), json.get("accuracy").asDouble(), 1e-9,
        "the export must predict what the training session predicted");
    assertEquals(5, json.get("confusion").size());
    assertEquals("Sandal", json.get("perClass").get(0).get("label").asText());
  }

  @Test
  void evaluateRefusesDataWithOtherClasses() {
    CliRunner r = CliRunner.run("evaluate", "--model", export.toString(), "--data", "fashion-mnist:test");
    assertEquals(1, r.exitCode());
    assertTrue(r.err().contains("pass --classes"), r.err());
  }

  @Test
  void predictPrintsLabelsAndProbabilities() {
    CliRunner r = CliRunner.run("predict", "--model", export.toString(), "--limit", "2", "--top", "2",
        "fashion-mnist:test");
    assertEquals(0, r.exitCode(), r.err());
    assertEquals(2, r.out().lines().count(), r.out());
    assertTrue(r.out().lines().findFirst().orElseThrow().matches(".*#0 \\(labelled Ankle boot\\):  \\S.* 0\\.\\d{3}  .*"),
        r.out());
  }

  @Test
  void aJobFileSetsOptionsAndTheCommandLineWins() throws Exception {
    Path job = dir.resolve("job.yaml");
    Files.writeString(job, "model: " + RetrainCommand.DEFAULT_MODEL + "\nepochs: 7\ntrain: head\nhidden: [8]\n"
        + "data: fashion-mnist-subset:train\ntest-data: fashion-mnist-subset:test\nclasses: 5,6,7,8,9\n");
    CliRunner r = CliRunner.run("retrain", "--config", job.toString(), "--epochs", "1",
        "--out", dir.resolve("job").toString());
    assertEquals(0, r.exitCode(), r.err());
    assertTrue(r.out().contains("epoch 1/1"), r.out());
    JsonNode meta = new ObjectMapper().readTree(dir.resolve("job/1/assets.extra/graft.json").toFile());
    assertEquals("[8]", meta.get("head").get("hidden").toString());
    assertEquals("fashion-mnist-subset:train", meta.get("options").get("data").asText());
  }

  @Test
  void aJobFileWithAnUnknownKeyIsRefused() throws Exception {
    Path job = dir.resolve("bad.yaml");
    Files.writeString(job, "epoch: 3\n");
    CliRunner r = CliRunner.run("retrain", "--config", job.toString());
    assertEquals(1, r.exitCode());
    assertTrue(r.err().contains("sets 'epoch', which is no option"), r.err());
  }

  @Test
  void badOptionValuesAreUsageErrors() {
    CliRunner policy = CliRunner.run("retrain", "--train", "last:x");
    assertEquals(2, policy.exitCode());
    assertTrue(policy.err().contains("N of last:N must be a whole number"), policy.err());
    CliRunner resume = CliRunner.run("retrain", "--resume");
    assertEquals(2, resume.exitCode());
    assertTrue(resume.err().contains("--resume needs --checkpoint"), resume.err());
  }

  @Test
  void badInputGivesOneParagraphAndExitOne() {
    CliRunner data = CliRunner.run("retrain", "--data", dir.resolve("missing").toString());
    assertEquals(1, data.exitCode());
    assertTrue(data.err().contains("missing"), data.err());
    assertFalse(data.err().contains("\tat "), "no stack trace without --verbose");
  }

  @Test
  void aCorruptImageStopsTheRunOrIsSkippedAndCounted() throws Exception {
    Path images = dir.resolve("images");
    java.util.Random random = new java.util.Random(1);
    for (String cls : new String[] {"bags", "boots"}) {
      Files.createDirectories(images.resolve(cls));
      for (int i = 0; i < 12; i++) {
        var image = new java.awt.image.BufferedImage(28, 28, java.awt.image.BufferedImage.TYPE_BYTE_GRAY);
        for (int y = 0; y < 28; y++) {
          for (int x = 0; x < 28; x++) {
            image.getRaster().setSample(x, y, 0, cls.equals("bags") ? random.nextInt(128) : 128 + random.nextInt(128));
          }
        }
        javax.imageio.ImageIO.write(image, "png", images.resolve(cls).resolve(i + ".png").toFile());
      }
    }
    Files.write(images.resolve("boots/broken.png"), new byte[] {(byte) 0x89, 'P', 'N', 'G', 1, 2, 3});
    CliRunner stopped = CliRunner.run("retrain", "--data", images.toString(), "--epochs", "1",
        "--out", dir.resolve("img-a").toString());
    assertEquals(1, stopped.exitCode());
    assertTrue(stopped.err().contains("broken.png"), stopped.err());
    assertTrue(stopped.err().contains("--skip-bad"), stopped.err());
    assertFalse(Files.exists(dir.resolve("img-a/1")), "a failed run leaves no export");
    CliRunner skipped = CliRunner.run("retrain", "--data", images.toString(), "--epochs", "2", "--skip-bad",
        "--val-split", "0.25", "--out", dir.resolve("img-b").toString());
    assertEquals(0, skipped.exitCode(), skipped.err());
    assertTrue(skipped.out().contains("skipped  1 unreadable items while opening the data, 0 while training"),
        skipped.out());
    assertTrue(Files.isRegularFile(dir.resolve("img-b/1/saved_model.pb")));
  }

  @Test
  void usageErrorsExitTwo() {
    assertEquals(2, CliRunner.run("retrain", "--epochs", "many").exitCode());
    assertEquals(2, CliRunner.run("frobnicate").exitCode());
  }

  @Test
  void helpShowsAnExample() {
    CliRunner r = CliRunner.run("retrain", "--help");
    assertEquals(0, r.exitCode());
    assertTrue(r.out().contains("Example:"), r.out());
  }
}
