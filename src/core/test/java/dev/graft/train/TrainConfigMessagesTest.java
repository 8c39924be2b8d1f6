package dev.graft.train;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.graft.error.SettingException;
import dev.graft.export.ExportOptions;
import dev.graft.head.HeadSpec;
import java.util.List;
import org.junit.jupiter.api.Test;

/**
 * A wrong setting of TrainConfig (or HeadSpec, ExportOptions) is named by its field and setter, as an API caller
 * wrote it, never by a command-line flag.
 */
class TrainConfigMessagesTest {

  @Test
  void namesTheSetterOfAnEpochCountOutOfRange() {
    SettingException e = assertThrows(SettingException.class, () -> TrainConfig.builder().setEpochs(0).build());
    assertEquals("epochs (TrainConfig.Builder.setEpochs) must be between 1 and 1000000 (or auto), got 0",
        e.getMessage());
    assertEquals(List.of("epochs"), e.settings());
  }

  @Test
  void namesBothSettersOfAConflictOnceEach() {
    SettingException e = assertThrows(SettingException.class,
        () -> TrainConfig.builder().optUnfreezeEvery(2).build());
    assertEquals("unfreezeEvery (TrainConfig.Builder.optUnfreezeEvery) 2 unfreezes backbone layers, but freeze "
        + "(TrainConfig.Builder.optFreeze) head freezes them all; pass freeze all (or last:N) with it, or drop "
        + "unfreezeEvery", e.getMessage());
    assertEquals(List.of("unfreezeEvery", "freeze"), e.settings());
    assertEquals("--unfreeze-every 2 unfreezes backbone layers, but --train head freezes them all; pass --train all "
        + "(or last:N) with it, or drop --unfreeze-every", e.render(f -> f.equals("freeze") ? "--train"
        : "--unfreeze-every"));
  }

  @Test
  void noMessageNamesAFlag() {
    List<Runnable> wrong = List.of(
        () -> TrainConfig.builder().optBatchSize(0).build(),
        () -> TrainConfig.builder().optLearningRate(0).build(),
        () -> TrainConfig.builder().optPatience(-2).build(),
        () -> TrainConfig.builder().optWarmupEpochs(-2).build(),
        () -> TrainConfig.builder().optFineTuneLr(Float.NaN).build(),
        () -> TrainConfig.builder().optCacheMemory(-1).build(),
        () -> TrainConfig.builder().optLabelSmoothing(1).build(),
        () -> TrainConfig.builder().optBackboneLrMult(-1).build(),
        () -> TrainConfig.builder().optTopK(0).build(),
        () -> TrainConfig.builder().optClassWeights(new float[] {0, 0}).build(),
        () -> TrainConfig.builder().optBatchNormMomentum(1).build(),
        () -> TrainConfig.builder().optPrefetch(-1).build(),
        () -> TrainConfig.builder().optResume(true).build(),
        () -> TrainConfig.builder().optMonitor(null).build(),
        () -> TrainConfig.builder().optFreeze(FreezePolicy.all()).optUnfreezeEvery(-1).build());
    for (Runnable r : wrong) {
      SettingException e = assertThrows(SettingException.class, r::run);
      assertFalse(e.getMessage().contains("--"), e.getMessage());
      assertFalse(e.settings().isEmpty(), e.getMessage());
    }
  }

  @Test
  void headAndExportSettingsNameTheirSetters() {
    SettingException hidden = assertThrows(SettingException.class,
        () -> HeadSpec.builder().setNumClasses(2).optHidden(0).build());
    assertEquals("Hidden layer sizes must be between 1 and 65536, got [0] from hidden (HeadSpec.Builder.optHidden)",
        hidden.getMessage());
    SettingException dropout = assertThrows(SettingException.class,
        () -> HeadSpec.builder().setNumClasses(2).optDropout(1).build());
    assertEquals("Dropout must be in [0, 1), got 1.0 from dropout (HeadSpec.Builder.optDropout)", dropout.getMessage());
    SettingException version = assertThrows(SettingException.class,
        () -> ExportOptions.builder().optVersion(-1).build());
    assertEquals("version (ExportOptions.Builder.optVersion) must be a positive integer (0 = the next free one), got -1",
        version.getMessage());
  }

  @Test
  void freezePolicyAndScheduleNameTheirSetters() {
    SettingException parse = assertThrows(SettingException.class, () -> FreezePolicy.parse("last:x"));
    assertEquals("freeze (TrainConfig.Builder.optFreeze) last:x: N of last:N must be a whole number",
        parse.getMessage());
    SettingException applies = assertThrows(SettingException.class,
        () -> FreezePolicy.last(3).checkApplies(List.of("a"), List.of(List.of("a/kernel"))));
    assertEquals("freeze (TrainConfig.Builder.optFreeze) last:3 asks for 3 backbone layers, but the backbone has 1 with "
        + "trainable variables ([a]); pass last:1 or all to train them all", applies.getMessage());
    SettingException schedule = assertThrows(SettingException.class, () -> LrSchedule.parse("step:x:0.5"));
    assertEquals("schedule (TrainConfig.Builder.optSchedule) step:x:0.5 has a number that does not parse",
        schedule.getMessage());
  }

  @Test
  void monitorNamesTheAcceptedMetrics() {
    assertEquals(Monitor.VAL_LOSS, Monitor.parse("val_loss"));
    assertEquals(Monitor.VAL_ACCURACY, Monitor.parse("val_accuracy"));
    SettingException e = assertThrows(SettingException.class, () -> Monitor.parse("loss"));
    assertEquals("monitor (TrainConfig.Builder.optMonitor) must be val_loss or val_accuracy, got loss", e.getMessage());
  }

  @Test
  void monitorScoresHigherIsBetter() {
    EpochMetrics better = metrics(0.2, 0.9);
    EpochMetrics worse = metrics(0.5, 0.7);
    for (Monitor m : Monitor.values()) {
      assertTrue(m.score(better) > m.score(worse), m.id());
    }
  }

  private static EpochMetrics metrics(double valLoss, double valAccuracy) {
    return new EpochMetrics(1, 0.1, 1.0, valLoss, valAccuracy, valAccuracy, 1e-3, 1.0, 100.0, 2);
  }
}
