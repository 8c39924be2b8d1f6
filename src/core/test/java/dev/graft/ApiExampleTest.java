package dev.graft;

import dev.graft.head.CutChoice;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.graft.data.read.DataOptions;
import dev.graft.data.spec.DataSources;
import dev.graft.data.LabeledData;
import dev.graft.data.view.Splits;
import dev.graft.export.ExportOptions;
import dev.graft.head.HeadSpec;
import dev.graft.train.FreezePolicy;
import dev.graft.train.LrSchedule;
import dev.graft.train.TrainConfig;
import dev.graft.train.TrainResult;
import java.nio.file.Files;
import java.nio.file.Path;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** The README's Java example, run on the bundled subset so it stays true. */
class ApiExampleTest {

  private static final String BEGIN = "// --- README example (data names shortened to the bundled subset) ---";
  private static final String END = "// --- end of example ---";

  /** The README's snippet is this test's code, but for the data names and the export folder. */
  @Test
  void readmeShowsTheCodeThisTestRuns() throws java.io.IOException {
    String readme = Files.readString(Path.of("README.md"));
    int open = readme.indexOf("```java\n");
    assertTrue(open >= 0, "README.md has no ```java block");
    String snippet = readme.substring(open + "```java\n".length(), readme.indexOf("```", open + 7));
    String test = Files.readString(Path.of("src/core/test/java/dev/graft/ApiExampleTest.java"));
    String body = test.substring(test.lastIndexOf(BEGIN) + BEGIN.length(), test.lastIndexOf(END));
    assertEquals(normalize(snippet), normalize(body.replace("fashion-mnist-subset:", "fashion-mnist:")
        .replace("runs.resolve(\"api\")", "Path.of(\"runs/api\")") + "}"),
        "README's Java example and ApiExampleTest differ: change both");
  }

  /** Lines without their indentation, blank lines dropped. */
  private static String normalize(String code) {
    return code.lines().map(String::strip).filter(l -> !l.isEmpty()).collect(java.util.stream.Collectors.joining("\n"));
  }

  @TempDir Path runs;

  @Test
  void readmeExampleRuns() {
    // --- README example (data names shortened to the bundled subset) ---
    DataOptions fiveToNine = DataOptions.builder().optClasses("5,6,7,8,9").build();
    Splits.Split split = Splits.stratified(DataSources.open("fashion-mnist-subset:train", fiveToNine), 0.1, 42);
    LabeledData test = DataSources.open("fashion-mnist-subset:test", fiveToNine);

    try (GraftModel model = Graft.load(Path.of("savedmodels/fashion_cnn"), CutChoice.layer("flatten"))) {
      model.replaceHead(HeadSpec.builder().setNumClasses(5).optHidden(128).optDropout(0.2f).build());
      TrainResult result = model.train(split.train(), split.val(), TrainConfig.builder()
          .setEpochs(2)
          .optFreeze(FreezePolicy.last(2))
          .optBackboneLrMult(0.1f)
          .optSchedule(LrSchedule.parse("cosine:1"))
          .optPatience(2)
          .build());
      double accuracy = model.evaluate(test, 3).accuracy();
      Path export = model.export(runs.resolve("api"), ExportOptions.defaults());
      // --- end of example ---
      assertTrue(accuracy > 0.8, "accuracy " + accuracy);
      assertTrue(result.warmupEpochs() > 0, "last:2 with validation data starts with a frozen warm-up");
      assertEquals(result.warmupEpochs() + 2, result.history().size());
      assertTrue(Files.isRegularFile(export.resolve("saved_model.pb")));
    }
  }
}
