package dev.graft.cli;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.graft.testing.PythonSide;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.TestInstance;
import org.junit.jupiter.api.io.TempDir;

/** Hostile files and models: one paragraph naming the real cause and the way out, never a trace or the wrong hint. */
@TestInstance(TestInstance.Lifecycle.PER_CLASS)
class HostileInputErrorsTest {

  @TempDir static Path dir;
  private Path export;
  private Path images;

  @BeforeAll
  void anExport() throws Exception {
    images = HostileFiles.imageFolder(dir.resolve("images"), List.of("bag", "boot"), 12);
    CliRunner r = CliRunner.run("retrain", "--data", images.toString(), "--epochs", "2", "--val-split", "0.25",
        "--out", dir.resolve("runs").toString());
    assertEquals(0, r.exitCode(), r.err());
    export = dir.resolve("runs/1");
  }

  private static void assertOneParagraph(CliRunner r, int code, String... parts) {
    assertEquals(code, r.exitCode(), r.err());
    for (String part : parts) {
      assertTrue(r.err().contains(part), "expected '" + part + "' in: " + r.err());
    }
    assertFalse(r.err().contains("\tat ") || r.err().contains("Exception"), "no trace: " + r.err());
    assertTrue(r.err().strip().lines().count() <= 2, "one paragraph: " + r.err());
  }

  @Test
  void aHugeImageIsRefusedFromItsHeaderBeforeAnyPixelMemory() throws Exception {
    Path folder = HostileFiles.imageFolder(dir.resolve("huge"), List.of("a", "b"), 3);
    Files.write(folder.resolve("b/huge.png"), HostileFiles.pngClaiming(40000, 40000));
    CliRunner r = CliRunner.run("retrain", "--data", folder.toString(), "--epochs", "1", "--out",
        dir.resolve("huge-out").toString());
    assertOneParagraph(r, 1, "huge.png: is 40000x40000 pixels, more than the 67108864 Graft decodes", "--skip-bad");
    CliRunner skipped = CliRunner.run("retrain", "--data", folder.toString(), "--epochs", "1", "--skip-bad",
        "--val-split", "0.3", "--out", dir.resolve("huge-out").toString());
    assertEquals(0, skipped.exitCode(), skipped.err());
    assertTrue(skipped.out().contains("skipped  1 unreadable items while opening the data"), skipped.out());
    Path single = Files.write(dir.resolve("huge-alone.png"), HostileFiles.pngClaiming(40000, 40000));
    assertOneParagraph(CliRunner.run("predict", "--model", export.toString(), single.toString()), 1,
        "is 40000x40000 pixels");
    Path record = HostileFiles.tfrecord(dir.resolve("huge.tfrecord"),
        List.of(HostileFiles.pngClaiming(40000, 40000), HostileFiles.png(28, 28, 10, 1)), new long[] {0, 1});
    assertOneParagraph(CliRunner.run("retrain", "--data", "tfrecord:" + record, "--epochs", "1",
        "--out", dir.resolve("huge-out").toString()), 1, "record 0: is 40000x40000 pixels");
  }

  @Test
  void hugeLabelValuesAreBadItemsNotAReasonToAllocateClasses() throws Exception {
    Path mlp = PythonSide.fixture("tf_module_mlp");
    StringBuilder csv = new StringBuilder();
    for (int i = 0; i < 20; i++) {
      for (int f = 0; f < 16; f++) {
        csv.append(i % 2 == 0 ? f : 16 - f).append(',');
      }
      csv.append(i == 7 ? "99999999" : Integer.toString(i % 2)).append('\n');
    }
    Path file = Files.writeString(dir.resolve("huge-label.csv"), csv.toString());
    assertOneParagraph(CliRunner.run("retrain", "--model", mlp.toString(), "--data", "csv:" + file, "--epochs", "1",
        "--out", dir.resolve("label-out").toString()), 1, "huge-label.csv:8: label '99999999' is above the largest "
        + "class index Graft takes (99999", "--skip-bad");
    Path record = HostileFiles.tfrecord(dir.resolve("huge-label.tfrecord"),
        List.of(HostileFiles.png(28, 28, 10, 1), HostileFiles.png(28, 28, 200, 2)), new long[] {0, 2_000_000_000L});
    assertOneParagraph(CliRunner.run("retrain", "--data", "tfrecord:" + record, "--epochs", "1",
        "--out", dir.resolve("label-out").toString()), 1, "record 1 (byte", "label 2000000000 in 'image/class/label' "
        + "is outside 0..99999");
  }

  @Test
  void anIdxHeaderClaimingGigabytesIsReadAsWhatTheFileHolds() throws Exception {
    Path images = dir.resolve("claims.idx");
    // header: 100000 images of 1000 x 20 bytes (2 GB), then 100 bytes of data
    java.nio.ByteBuffer b = java.nio.ByteBuffer.allocate(16 + 100).putInt(0x00000803).putInt(100000).putInt(1000)
        .putInt(20);
    Files.write(images, b.array());
    Path labels = Files.write(dir.resolve("claims-labels.idx"), java.nio.ByteBuffer.allocate(9).putInt(0x00000801)
        .putInt(1).put((byte) 0).array());
    assertOneParagraph(CliRunner.run("retrain", "--data", "idx:" + images + "," + labels, "--epochs", "1",
        "--out", dir.resolve("idx-out").toString()), 1, "holds only 100", "truncated");
  }

  @Test
  void matrixInputModelsTrainOnCsvColumnsAndFlattenedIdxImages() throws Exception {
    Path mlp = PythonSide.fixture("tf_module_mlp");
    StringBuilder csv = new StringBuilder("f0,f1,f2,f3,f4,f5,f6,f7,f8,f9,f10,f11,f12,f13,f14,f15,kind\n");
    java.util.Random random = new java.util.Random(3);
    for (int i = 0; i < 60; i++) {
      for (int f = 0; f < 16; f++) {
        csv.append(String.format("%.3f", (i % 2 == 0 ? 1 : -1) * (f % 4) + random.nextGaussian() * 0.1)).append(',');
      }
      csv.append(i % 2 == 0 ? "up" : "down").append('\n');
    }
    Path file = Files.writeString(dir.resolve("vectors.csv"), csv.toString());
    CliRunner r = CliRunner.run("retrain", "--model", mlp.toString(), "--data", "csv:" + file, "--epochs", "10",
        "--lr", "0.05", "--out", dir.resolve("csv-out").toString());
    assertEquals(0, r.exitCode(), r.err());
    assertTrue(r.out().contains("preprocess none"), "CSV numbers are used as they are: " + r.out());
    CliRunner evaluated = CliRunner.run("evaluate", "--model", dir.resolve("csv-out/1").toString(), "--data",
        "csv:" + file, "--json");
    assertEquals(0, evaluated.exitCode(), evaluated.err());
    assertTrue(new com.fasterxml.jackson.databind.ObjectMapper().readTree(evaluated.out()).get("accuracy").asDouble()
        > 0.9, evaluated.out());
    String idx = HostileFiles.idx(dir.resolve("idx4"), 4, 4, HostileFiles.labels(2, 20));
    CliRunner flat = CliRunner.run("retrain", "--model", mlp.toString(), "--data", idx, "--epochs", "1",
        "--out", dir.resolve("idx-flat-out").toString());
    assertEquals(0, flat.exitCode(), flat.err());
    assertTrue(flat.out().contains("preprocess unit"), "IDX pixels are scaled: " + flat.out());
    String wrong = HostileFiles.idx(dir.resolve("idx5"), 5, 5, HostileFiles.labels(2, 4));
    assertOneParagraph(CliRunner.run("retrain", "--model", mlp.toString(), "--data", wrong, "--epochs", "1",
        "--out", dir.resolve("idx-flat-out").toString()), 1, "5x5x1 = 25 values, but the model input takes vectors of 16");
  }

  @Test
  void predictTakesImageFilesAndListsAndItsSkipBadHintIsReal() throws Exception {
    Path one = images.resolve("bag/0.png");
    CliRunner single = CliRunner.run("predict", "--model", export.toString(), one.toString());
    assertEquals(0, single.exitCode(), single.err());
    assertTrue(single.out().startsWith(one + ":  "), single.out());
    Path broken = Files.write(dir.resolve("broken.png"), new byte[] {(byte) 0x89, 'P', 'N', 'G', 1, 2});
    Path list = Files.writeString(dir.resolve("list.txt"), images.resolve("boot/1.png") + "\n# a comment\n\n"
        + broken + "\n" + images.resolve("bag/2.png") + "\n");
    CliRunner stopped = CliRunner.run("predict", "--model", export.toString(), list.toString());
    assertOneParagraph(stopped, 1, "broken.png", "pass --skip-bad to skip such items");
    CliRunner listed = CliRunner.run("predict", "--model", export.toString(), "--skip-bad", list.toString());
    assertEquals(0, listed.exitCode(), listed.err());
    assertEquals(2, listed.out().lines().count(), listed.out());
    assertTrue(listed.out().contains("boot/1.png:  boot"), "the boot is predicted a boot: " + listed.out());
  }

  @Test
  void aLabelsFileThatDoesNotFitTheOutputsIsNamed() throws Exception {
    Path copy = HostileFiles.copyTree(export, dir.resolve("relabelled"));
    Files.writeString(copy.resolve("assets/labels.txt"), "a\nb\nc\nd\n");
    assertOneParagraph(CliRunner.run("predict", "--model", copy.toString(), images.resolve("bag/0.png").toString()),
        1, "labels.txt lists 4 class names but the model's 'probabilities' output has 2 columns");
  }

  @Test
  void missingOrForeignVariablesAreNamed() throws Exception {
    Path noVariables = HostileFiles.copyTree(Path.of("savedmodels/fashion_cnn"), dir.resolve("no-vars"));
    dev.graft.io.AtomicFiles.deleteQuietly(noVariables.resolve("variables"));
    assertOneParagraph(CliRunner.run("inspect", noVariables.toString()), 1,
        "has variables but no variables/ folder: its weights are missing");
    Path foreign = HostileFiles.copyTree(Path.of("savedmodels/fashion_cnn"), dir.resolve("foreign-vars"));
    for (String f : new String[] {"variables.index", "variables.data-00000-of-00001"}) {
      Files.copy(export.resolve("variables/" + f), foreign.resolve("variables/" + f),
          java.nio.file.StandardCopyOption.REPLACE_EXISTING);
    }
    assertOneParagraph(CliRunner.run("inspect", foreign.toString()), 1,
        "The variables/ folder does not belong to this saved_model.pb");
  }
}
