package dev.graft.train;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.util.List;
import org.junit.jupiter.api.Test;

/** The automatic epochs, warm-up and patience, resolved from the steps an epoch makes. */
class TrainPlanTest {

  @Test
  void headOnlyTrainingGetsAThousandStepsWhateverTheDataSize() {
    TrainPlan xrays = TrainPlan.of(TrainConfig.builder().build(), 3650, true);
    assertEquals(58, xrays.stepsPerEpoch());
    TrainPlan.Phase head = xrays.phases().get(0);
    assertEquals(List.of("head"), xrays.phases().stream().map(TrainPlan.Phase::name).toList());
    assertEquals(18, head.epochs(), "ceil(1000 / 58) epochs");
    assertEquals(5, head.patience(), "250 steps are fewer than 5 epochs of 58");
    TrainPlan small = TrainPlan.of(TrainConfig.builder().build(), 300, true);
    assertEquals(200, small.phases().get(0).epochs(), "5 steps an epoch: 200 epochs, the cap");
    assertEquals(50, small.phases().get(0).patience(), "250 steps of 5");
    TrainPlan tiny = TrainPlan.of(TrainConfig.builder().setEpochs(3).build(), 40, true);
    assertEquals(3, tiny.phases().get(0).patience(), "never more than the phase's epochs");
    TrainPlan large = TrainPlan.of(TrainConfig.builder().build(), 27000, true);
    assertEquals(5, large.phases().get(0).epochs(), "at least 5 epochs");
    assertEquals(0, TrainPlan.of(TrainConfig.builder().build(), 3650, false).phases().get(0).patience(),
        "no validation data, no early stopping");
  }

  @Test
  void fineTuningWarmsUpTheHeadThenUnfreezesAtALowerRateWithAFreshOptimizer() {
    TrainConfig config = TrainConfig.builder().optFreeze(FreezePolicy.all()).optBackboneLrMult(0.5f).build();
    TrainPlan plan = TrainPlan.of(config, 3650, true);
    assertEquals(List.of("warm-up", "fine-tune"), plan.phases().stream().map(TrainPlan.Phase::name).toList());
    TrainPlan.Phase warmup = plan.phases().get(0);
    TrainPlan.Phase fineTune = plan.phases().get(1);
    assertEquals(FreezePolicy.Kind.HEAD, warmup.freeze().kind());
    assertEquals(1e-3f, warmup.headLr());
    assertEquals(18, warmup.epochs());
    assertEquals(FreezePolicy.Kind.ALL, fineTune.freeze().kind());
    assertEquals(1e-5f, fineTune.headLr());
    assertEquals(5e-6f, fineTune.backboneLr(), 1e-12f);
    assertEquals(3, fineTune.epochs(), "ceil(150 / 58) epochs, at least 3");
    assertEquals(2, fineTune.patience());
    assertTrue(fineTune.freshOptimizer() && !warmup.freshOptimizer());
    assertTrue(warmup.describe().startsWith("warm-up    head only, lr 1.0e-03, up to 18 epochs, patience 5"),
        warmup.describe());
  }

  @Test
  void explicitValuesWinAndNoValidationMeansNoWarmUp() {
    TrainConfig explicit = TrainConfig.builder().optFreeze(FreezePolicy.last(2)).setEpochs(4).optWarmupEpochs(7)
        .optPatience(1).build();
    TrainPlan plan = TrainPlan.of(explicit, 3650, true);
    assertEquals(7, plan.phases().get(0).epochs());
    assertEquals(4, plan.phases().get(1).epochs());
    assertEquals(1, plan.phases().get(0).patience());
    assertEquals(11, plan.totalEpochs());
    TrainPlan unvalidated = TrainPlan.of(TrainConfig.builder().optFreeze(FreezePolicy.all()).setEpochs(3).build(),
        3650, false);
    assertEquals(List.of("fine-tune"), unvalidated.phases().stream().map(TrainPlan.Phase::name).toList());
    assertEquals(1e-3f, unvalidated.phases().get(0).headLr(), "without a warm-up the run trains at --lr");
    TrainPlan none = TrainPlan.of(TrainConfig.builder().optFreeze(FreezePolicy.all()).optWarmupEpochs(0).build(),
        3650, true);
    assertEquals(1, none.phases().size());
  }
}
