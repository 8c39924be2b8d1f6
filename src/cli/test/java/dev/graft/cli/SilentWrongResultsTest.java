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
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.TestInstance;
import org.junit.jupiter.api.io.TempDir;

/** Cases that used to give a result with no word that it was wrong: now right, or refused by name. */
@TestInstance(TestInstance.Lifecycle.PER_CLASS)
class SilentWrongResultsTest {

  @TempDir static Path dir;
  private Path images;
  private Path export;

  @BeforeAll
  void trainOnThreeClassFolders() throws Exception {
    images = HostileFiles.imageFolder(dir.resolve("images"), List.of("bag", "boot", "shirt"), 20);
    CliRunner r = CliRunner.run("retrain", "--data", images.toString(), "--epochs", "10", "--lr", "0.01",
        "--val-split", "0.25", "--out", dir.resolve("runs").toString());
    assertEquals(0, r.exitCode(), r.err());
    export = dir.resolve("runs/1");
  }

  private static JsonNode json(String text) throws Exception {
    return new ObjectMapper().readTree(text);
  }

  @Test
  void evaluateMatchesClassesByNameWhateverTheirOrder() throws Exception {
    CliRunner inOrder = CliRunner.run("evaluate", "--model", export.toString(), "--data", images.toString(), "--json");
    assertEquals(0, inOrder.exitCode(), inOrder.err());
    CliRunner reordered = CliRunner.run("evaluate", "--model", export.toString(), "--data", images.toString(),
        "--classes", "shirt,bag,boot", "--json");
    assertEquals(0, reordered.exitCode(), reordered.err());
    double accuracy = json(inOrder.out()).get("accuracy").asDouble();
    assertTrue(accuracy > 0.9, "the images are easy: " + accuracy);
    assertEquals(accuracy, json(reordered.out()).get("accuracy").asDouble(), 1e-12,
        "--classes in another order names the same classes");
  }

  @Test
  void evaluateTakesASubsetOfTheExportsClasses() throws Exception {
    Path two = HostileFiles.imageFolder(dir.resolve("two"), List.of("bag", "shirt"), 6);
    CliRunner r = CliRunner.run("evaluate", "--model", export.toString(), "--data", two.toString(), "--json");
    assertEquals(0, r.exitCode(), r.err());
    JsonNode report = json(r.out());
    assertEquals(12, report.get("n").asInt());
    assertEquals(3, report.get("confusion").size(), "rows and columns are the export's classes");
    assertEquals(0, report.get("perClass").get(1).get("examples").asInt(), "boot has no examples here");
    assertEquals(6, report.get("confusion").get(2).get(0).asLong() + report.get("confusion").get(2).get(1).asLong()
        + report.get("confusion").get(2).get(2).asLong(), "the shirts are counted as shirts, not by position");
  }

  @Test
  void evaluateRefusesClassesTheExportDoesNotKnow() throws Exception {
    Path other = HostileFiles.imageFolder(dir.resolve("other"), List.of("bag", "sandal"), 3);
    CliRunner r = CliRunner.run("evaluate", "--model", export.toString(), "--data", other.toString());
    assertEquals(1, r.exitCode());
    assertTrue(r.err().contains("holds classes [sandal] that are not among the model's classes [bag, boot, shirt]"),
        r.err());
  }

  @Test
  void validationDataIsMatchedToTheTrainingClassesByName() throws Exception {
    Path two = HostileFiles.imageFolder(dir.resolve("val-two"), List.of("bag", "shirt"), 5);
    CliRunner r = CliRunner.run("retrain", "--data", images.toString(), "--val-data", two.toString(), "--test-data",
        two.toString(), "--epochs", "10", "--lr", "0.01", "--out", dir.resolve("val-two-out").toString());
    assertEquals(0, r.exitCode(), r.err());
    java.util.regex.Matcher test = java.util.regex.Pattern.compile("test +accuracy (\\d\\.\\d+)").matcher(r.out());
    assertTrue(test.find(), r.out());
    assertTrue(Double.parseDouble(test.group(1)) > 0.9, "shirts are scored as shirts, not as boots: " + r.out());
    Path other = HostileFiles.imageFolder(dir.resolve("val-other"), List.of("bag", "sandal"), 3);
    CliRunner refused = CliRunner.run("retrain", "--data", images.toString(), "--val-data", other.toString(),
        "--epochs", "1", "--out", dir.resolve("val-other-out").toString());
    assertEquals(1, refused.exitCode());
    assertTrue(refused.err().contains("holds classes [sandal] that are not among the model's classes"), refused.err());
  }

  @Test
  void aClassWithoutTrainingExamplesIsRefusedByName() {
    // labels 0, 2, 3: the IDX reader names classes 0..3, and class 1 has no example
    int[] labels = new int[40];
    for (int i = 0; i < labels.length; i++) {
      labels[i] = new int[] {0, 2, 3}[i % 3];
    }
    String gappy = HostileFiles.idx(dir.resolve("gappy"), 28, 28, labels);
    CliRunner r = CliRunner.run("retrain", "--data", gappy, "--epochs", "1", "--out", dir.resolve("gap").toString());
    assertEquals(1, r.exitCode());
    assertTrue(r.err().contains("class '1' has no training examples (examples per class: 0 "), r.err());
    CliRunner chosen = CliRunner.run("retrain", "--data", gappy, "--classes", "1,2,3", "--epochs", "1",
        "--out", dir.resolve("gap").toString());
    assertEquals(1, chosen.exitCode());
    assertTrue(chosen.err().contains("class '1' has no training examples"), chosen.err());
    assertFalse(Files.exists(dir.resolve("gap")));
  }

  @Test
  void aStrayCsvLabelThatMakesEmptyClassesIsRefusedByName() throws Exception {
    StringBuilder csv = new StringBuilder();
    for (int i = 0; i < 31; i++) {
      for (int f = 0; f < 20; f++) {
        csv.append((i * 7 + f) % 5).append(',');
      }
      csv.append(i == 30 ? 7 : i % 3).append('\n');
    }
    Path file = Files.writeString(dir.resolve("stray.csv"), csv.toString());
    Path mlp = dev.graft.testing.PythonSide.fixture("dropout_layernorm");
    CliRunner r = CliRunner.run("retrain", "--model", mlp.toString(), "--data", "csv:" + file, "--epochs", "1",
        "--out", dir.resolve("stray").toString());
    assertEquals(1, r.exitCode());
    assertTrue(r.err().contains("4 classes ('3', '4', '5', '6') have no training examples (examples per class: 0 9, 1 9, 2 9, 3 0"), r.err());
  }

  @Test
  void theRunSaysHowManyExamplesEachClassHas() {
    CliRunner r = CliRunner.run("retrain", "--data", images.toString(), "--epochs", "1", "--val-split", "0.25",
        "--out", dir.resolve("counts").toString());
    assertEquals(0, r.exitCode(), r.err());
    assertTrue(r.out().contains("classes  training examples per class: bag 15, boot 15, shirt 15"), r.out());
  }

  @Test
  void aJobFileIsReadInEveryFormHelpShowsAndVerboseWorksOnEitherSide() throws Exception {
    Path job = Files.writeString(dir.resolve("job.yaml"), "data: " + images + "\nepochs: 1\nval-split: 0.25\n"
        + "hidden: [7]\n");
    CliRunner equals = CliRunner.run("retrain", "--config=" + job, "--out", dir.resolve("job-a").toString());
    assertEquals(0, equals.exitCode(), equals.err());
    assertEquals("[7]", json(Files.readString(dir.resolve("job-a/1/assets.extra/graft.json"))).get("head")
        .get("hidden").toString(), "--config=FILE is read");
    CliRunner verboseFirst = CliRunner.run("--verbose", "retrain", "--config", job.toString(),
        "--out", dir.resolve("job-b").toString());
    assertEquals(0, verboseFirst.exitCode(), verboseFirst.err());
    assertEquals("[7]", json(Files.readString(dir.resolve("job-b/1/assets.extra/graft.json"))).get("head")
        .get("hidden").toString(), "graft --verbose retrain --config FILE reads the file");
    Path broken = Files.writeString(dir.resolve("broken.yaml"), "data: " + dir.resolve("nowhere") + "\n");
    CliRunner after = CliRunner.run("retrain", "--config", broken.toString(), "--verbose");
    assertEquals(1, after.exitCode());
    assertTrue(after.err().contains("\tat "), "--verbose after the subcommand prints the trace: " + after.err());
    CliRunner without = CliRunner.run("retrain", "--config", broken.toString());
    assertFalse(without.err().contains("\tat "), without.err());
  }

  @Test
  void resumeRefusesACheckpointMadeWithOtherOptionsByName() throws Exception {
    Path checkpoint = dir.resolve("ckpt");
    List<String> base = new ArrayList<>(List.of("retrain", "--data", images.toString(), "--val-split", "0.25",
        "--checkpoint", checkpoint.toString()));
    List<String> first = new ArrayList<>(base);
    first.addAll(List.of("--epochs", "2", "--out", dir.resolve("ck-a").toString()));
    assertEquals(0, CliRunner.run(first.toArray(String[]::new)).exitCode());
    List<String> other = new ArrayList<>(base);
    other.addAll(List.of("--epochs", "3", "--seed", "7", "--classes", "bag,shirt", "--train", "all", "--resume",
        "--out", dir.resolve("ck-b").toString()));
    CliRunner r = CliRunner.run(other.toArray(String[]::new));
    assertEquals(1, r.exitCode());
    for (String named : new String[] {"epochs 2 then, 3 now", "seed 42 then, 7 now", "train head then, all now",
        "classes [bag, boot, shirt] then, [bag, shirt] now"}) {
      assertTrue(r.err().contains(named), named + " in: " + r.err());
    }
    assertFalse(Files.exists(dir.resolve("ck-b")));
    List<String> same = new ArrayList<>(base);
    same.addAll(List.of("--epochs", "2", "--resume", "--out", dir.resolve("ck-c").toString()));
    CliRunner resumed = CliRunner.run(same.toArray(String[]::new));
    assertEquals(0, resumed.exitCode(), resumed.err());
    assertFalse(resumed.out().contains("epoch 1/2"), "a finished run resumes to its export without training again");
  }

  @Test
  void trainOptionsThatSelectNothingAreRefusedByName() {
    CliRunner many = CliRunner.run("retrain", "--data", images.toString(), "--train", "last:999", "--epochs", "1",
        "--out", dir.resolve("sel").toString());
    assertEquals(1, many.exitCode());
    assertTrue(many.err().contains("--train last:999 asks for 999 backbone layers, but the backbone has 4"),
        many.err());
    CliRunner none = CliRunner.run("retrain", "--data", images.toString(), "--train", "regex:^nothing_here",
        "--epochs", "1", "--out", dir.resolve("sel").toString());
    assertEquals(1, none.exitCode());
    assertTrue(none.err().contains("--train regex:^nothing_here matches no trainable backbone variable"), none.err());
  }

  @Test
  void optionsWithoutEffectAreNamedInAWarning() {
    CliRunner r = CliRunner.run("retrain", "--data", images.toString(), "--epochs", "1", "--val-split", "0.25",
        "--backbone-lr-mult", "0.1", "--bn-momentum", "0.9", "--out", dir.resolve("warn").toString());
    assertEquals(0, r.exitCode(), r.err());
    assertTrue(r.err().contains("warning: --backbone-lr-mult has no effect with --train head"), r.err());
    assertTrue(r.err().contains("warning: --bn-momentum has no effect without --bn-train"), r.err());
  }
}
