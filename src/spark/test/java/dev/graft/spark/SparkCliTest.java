package dev.graft.spark;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.graft.spark.cli.SparkCli;
import dev.graft.testing.PythonSide;
import java.io.PrintWriter;
import java.io.StringWriter;
import java.nio.file.Files;
import java.nio.file.Path;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import picocli.CommandLine;

/** The graft-spark command: retrain, train with MLlib and score on local Spark; exit codes for bad input. */
class SparkCliTest {

  @TempDir Path dir;

  private record Run(int code, String out, String err) {}

  private static Run run(String... args) {
    CommandLine cli = SparkCli.newCommandLine();
    StringWriter out = new StringWriter();
    StringWriter err = new StringWriter();
    cli.setOut(new PrintWriter(out));
    cli.setErr(new PrintWriter(err));
    int code = cli.execute(args);
    return new Run(code, out.toString(), err.toString());
  }

  @Test
  void retrainThenMllibHeadThenScore() throws Exception {
    Path model = PythonSide.fixture("mobilenet_v1_025_pooled");
    Path images = TestImages.xrays(dir.resolve("images"), 5);
    Path out = dir.resolve("runs");
    Run retrain = run("retrain", "--master", "local[2]", "--model", model.toString(), "--data", images.toString(),
        "--preprocess", "symmetric", "--epochs", "2", "--batch-size", "4", "--out", out.toString());
    assertEquals(0, retrain.code(), retrain.out() + retrain.err());
    assertTrue(retrain.out().contains(": 10 rows of classes [NORMAL, PNEUMONIA]"), retrain.out());
    assertTrue(retrain.out().contains("epoch 2/2"), retrain.out());
    assertTrue(retrain.out().contains("export   " + out.resolve("1")), retrain.out());
    assertTrue(Files.isRegularFile(out.resolve("1/saved_model.pb")));
    assertTrue(Files.isRegularFile(out.resolve("features-v1/_graft.json")));

    Run train = run("train", "--master", "local[2]", "--features", out.resolve("features-v1").toString(),
        "--head-trainer", "mllib", "--out", out.toString());
    assertEquals(0, train.code(), train.out() + train.err());
    assertTrue(train.out().contains("Spark MLlib's multinomial logistic regression"), train.out());
    assertTrue(Files.isRegularFile(out.resolve("2/saved_model.pb")));
    assertTrue(Files.readString(out.resolve("2/assets.extra/graft.json")).contains("\"trainer\" : \"mllib\""));

    Run badSetting = run("train", "--master", "local[2]", "--features", out.resolve("features-v1").toString(),
        "--epochs", "0", "--out", out.toString());
    assertEquals(1, badSetting.code(), badSetting.out() + badSetting.err());
    assertTrue(badSetting.err().contains("graft-spark: --epochs must be between 1"), badSetting.err());

    Run score = run("score", "--master", "local[2]", "--model", out.resolve("2").toString(), "--data",
        images.toString(), "--predictions", dir.resolve("scored").toString(), "--show", "3");
    assertEquals(0, score.code(), score.out() + score.err());
    assertTrue(score.out().startsWith("scored   10 images"), score.out());
    assertEquals(4, score.out().lines().count(), score.out());
    assertTrue(score.out().lines().skip(1).allMatch(l -> l.endsWith("  NORMAL") || l.endsWith("  PNEUMONIA")),
        score.out());
  }

  @Test
  void badInputExitsOneWithTheMessageAndUsageTwo() {
    Path missing = dir.resolve("no-images");
    Run bad = run("featurize", "--master", "local[2]", "--model", "savedmodels/fashion_cnn", "--data",
        missing.toString(), "--features", dir.resolve("f").toString());
    assertEquals(1, bad.code(), bad.out() + bad.err());
    assertEquals("graft-spark: " + missing + ": does not exist; expected a folder of class folders of images, "
        + "DIR/<class>/<image>.jpg|png", bad.err().strip());

    Run mllibHidden = run("train", "--features", dir.toString(), "--head-trainer", "mllib", "--hidden", "32");
    assertEquals(1, mllibHidden.code());
    assertTrue(mllibHidden.err().contains("--head-trainer mllib fits a softmax head without hidden layers"),
        mllibHidden.err());

    assertEquals(2, run("retrain", "--model", "m").code(), "a missing --data is a usage error");
    assertEquals(2, run("score", "--no-such-option").code());
  }
}
