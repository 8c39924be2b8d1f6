package dev.graft;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.graft.data.LabeledData;
import dev.graft.data.read.InMemoryData;
import dev.graft.data.view.LabeledDatas;
import dev.graft.error.DataException;
import dev.graft.error.GraftException;
import dev.graft.error.NamesSettings;
import dev.graft.error.SettingException;
import dev.graft.feature.CutSearch;
import dev.graft.extract.FeatureOptions;
import dev.graft.graph.Pooling;
import dev.graft.head.CutChoice;
import dev.graft.head.HeadSpec;
import dev.graft.model.LoadedModel;
import dev.graft.model.SavedModelDir;
import dev.graft.train.CheckpointFolder;
import dev.graft.train.FreezePolicy;
import dev.graft.train.TrainConfig;
import dev.graft.train.TrainPlan;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Arrays;
import java.util.List;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * The library's messages whose way out is a setting name the setter or argument an API caller uses (load options,
 * the cut, the cut search, checkpoints, the data's classes), never a command-line flag; each keeps its problem and its
 * way out, and names its settings for a front end to say them its own way.
 */
class LibraryMessagesTest {

  private static final Path MODEL = Path.of("savedmodels/fashion_cnn");

  @TempDir Path dir;

  @Test
  void threadCountsNameLoadOptions() {
    SettingException e = assertThrows(SettingException.class,
        () -> new LoadedModel.LoadOptions("serve", "serving_default", -1, 0));
    assertTrue(e.getMessage().startsWith("threads (LoadedModel.LoadOptions.withThreads) -1,0: each count must be "
        + "between 0 (TensorFlow's choice) and "), e.getMessage());
    assertNamesOnly(e, "threads");
  }

  @Test
  void poolingCutSearchAndFeatureOptionsNameTheirSetters() {
    SettingException pool = assertThrows(SettingException.class, () -> Pooling.parse("median"));
    assertEquals("Unknown pooling (GraftModel.withPooling) 'median'; use avg, max or flatten", pool.getMessage());
    assertNamesOnly(pool, "pooling");
    SettingException candidates = assertThrows(SettingException.class, () -> new CutSearch.Options(0, 10, 5, 1));
    assertEquals("The cut search needs at least 1 candidate cut, got candidates (CutSearch.Options.candidates) 0",
        candidates.getMessage());
    SettingException probes = assertThrows(SettingException.class, () -> new CutSearch.Options(4, 1, 1, 1));
    assertEquals("The cut search needs at least 2 training and 1 validation example for its probes, got "
        + "trainExamples (CutSearch.Options.trainExamples) 1 and valExamples (CutSearch.Options.valExamples) 1",
        probes.getMessage());
    assertNamesOnly(probes, "trainExamples", "valExamples");
    SettingException both = assertThrows(SettingException.class,
        () -> FeatureOptions.builder().optCutAt("a").optCutLayer("b").build());
    assertEquals("Give cutAt (FeatureOptions.Builder.optCutAt) or cutLayer (FeatureOptions.Builder.optCutLayer), not "
        + "both (got a and b)", both.getMessage());
  }

  @Test
  void headSizesNameHiddenAndTheDataClasses() {
    SettingException one = assertThrows(SettingException.class, () -> HeadSpec.builder().setNumClasses(1).build());
    assertEquals("A head needs between 2 and 100000 classes, got 1; check classes (DataOptions.Builder.optClasses) "
        + "or the labels of the data", one.getMessage());
    assertNamesOnly(one, "classes");
    SettingException huge = assertThrows(SettingException.class,
        () -> HeadSpec.builder().setNumClasses(2).optHidden(60000).build().checkSize(10_000));
    assertTrue(huge.getMessage().endsWith("; pass smaller hidden (HeadSpec.Builder.optHidden) sizes, or cut at a "
        + "smaller feature tensor"), huge.getMessage());
  }

  @Test
  void checkpointFoldersNameTheCheckpointSettings() throws Exception {
    Path file = Files.writeString(dir.resolve("file"), "not a folder");
    GraftException isFile = assertThrows(GraftException.class, () -> CheckpointFolder.check(file, false));
    assertEquals("checkpointDir (TrainConfig.Builder.optCheckpointDir) " + file + " is a file, not a checkpoint "
        + "folder; Graft does not overwrite it. Pass a new folder name.", isFile.getMessage());
    Path missing = dir.resolve("missing");
    GraftException nothing = assertThrows(GraftException.class, () -> CheckpointFolder.check(missing, true));
    assertEquals("resume (TrainConfig.Builder.optResume): checkpoint folder " + missing + " does not exist, so there "
        + "is nothing to resume. Check the checkpointDir (TrainConfig.Builder.optCheckpointDir) path, or drop resume "
        + "to start a new run.", nothing.getMessage());
    assertNamesOnly(nothing, "resume", "checkpointDir");
  }

  @Test
  void modelTagsAndSignaturesNameLoadOptions() {
    GraftException tag = assertThrows(GraftException.class, () -> SavedModelDir.open(MODEL, "gpu"));
    assertTrue(tag.getMessage().endsWith("; its tag sets are [serve]. Pass tag (LoadedModel.LoadOptions.tag) with one "
        + "of them."), tag.getMessage());
    GraftException signature = assertThrows(GraftException.class,
        () -> SavedModelDir.open(MODEL, "serve").signature("nope"));
    assertTrue(signature.getMessage().endsWith(" Pass signature (LoadedModel.LoadOptions.signature) with one of them."),
        signature.getMessage());
    assertNamesOnly(signature, "signature");
  }

  @Test
  void dataClassesNameTheClassesOption() {
    LabeledData data = InMemoryData.of(new float[2], new long[] {1}, new int[] {0, 1}, List.of("x", "y"));
    DataException e = assertThrows(DataException.class, () -> LabeledDatas.mapClassesByName(data, List.of("x")));
    assertTrue(e.getMessage().contains("; pass classes (DataOptions.Builder.optClasses) with the data's classes to "
        + "keep"), e.getMessage());
    assertNamesOnly(e, "classes");
  }

  @Test
  void freezePoliciesAndPhasesSayFreeze() {
    SettingException regex = assertThrows(SettingException.class,
        () -> FreezePolicy.parse("regex:nothing").checkApplies(List.of("a"), List.of(List.of("a/kernel"))));
    assertTrue(regex.getMessage().endsWith("the model's variables are listed by variables (LoadedModel.variables()))"),
        regex.getMessage());
    assertNamesOnly(regex, "freeze", "variables");
    TrainPlan.Phase phase = TrainPlan.of(TrainConfig.builder().optFreeze(FreezePolicy.all()).setEpochs(2).build(), 100,
        false).phases().get(0);
    assertTrue(phase.describe().contains("freeze all, lr"), phase.describe());
    assertTrue(phase.describe(f -> "--train").contains("--train all, lr"), phase.describe(f -> "--train"));
  }

  @Test
  void theCutAndTheTrainingDataNameTheirSettings() {
    GraftException op = assertThrows(GraftException.class, () -> Graft.load(MODEL, CutChoice.op("no_such_op")).close());
    assertTrue(op.getMessage().startsWith("cutAt (CutChoice.op) names op 'no_such_op', which the flattened graph "
        + "lacks. Candidates: "), op.getMessage());
    assertNamesOnly(op, "cutAt");
    GraftException layer = assertThrows(GraftException.class,
        () -> Graft.load(MODEL, CutChoice.layer("no_such_layer")).close());
    assertTrue(layer.getMessage().startsWith("cutLayer (CutChoice.layer) 'no_such_layer' names no layer of the model"),
        layer.getMessage());
    try (GraftModel model = Graft.load(MODEL, CutChoice.layer("flatten"))) {
      model.replaceHead(HeadSpec.builder().setNumClasses(2).build());
      long[] shape = Arrays.stream(model.model().input().shape()).skip(1).toArray();
      LabeledData empty = InMemoryData.of(new float[0], shape, new int[0], List.of("a", "b"));
      GraftException e = assertThrows(GraftException.class, () -> model.train(empty, null,
          TrainConfig.builder().setEpochs(1).build()));
      assertEquals("The training data is empty; check data (DataSources.open) and classes "
          + "(DataOptions.Builder.optClasses).", e.getMessage());
      assertNamesOnly(e, "data", "classes");
    }
  }

  /** The message names exactly {@code settings}, and no flag. */
  private static void assertNamesOnly(RuntimeException e, String... settings) {
    assertEquals(List.of(settings), ((NamesSettings) e).settings(), e.getMessage());
    assertFalse(e.getMessage().contains("--"), e.getMessage());
  }
}
