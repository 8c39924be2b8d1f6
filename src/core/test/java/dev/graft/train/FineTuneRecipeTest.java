package dev.graft.train;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.graft.Graft;
import dev.graft.GraftModel;
import dev.graft.data.LabeledData;
import dev.graft.data.transform.Preprocessing;
import dev.graft.head.HeadSpec;
import dev.graft.testing.PythonSide;
import dev.graft.testing.Tensors;
import dev.graft.testing.XrayData;
import java.util.ArrayList;
import java.util.List;
import org.junit.jupiter.api.Test;

/**
 * The fine-tuning recipe on a pretrained MobileNet and a small real subset of the X-rays: a frozen warm-up of the
 * new head, then everything unfrozen at 1e-5 with batch norm in inference mode, and a final validation score never
 * below the warm-up's best.
 */
class FineTuneRecipeTest {

  @Test
  void fineTuningNeverEndsBelowItsWarmUp() {
    LabeledData train = XrayData.subset("train", 3, 32, 64);
    LabeledData val = XrayData.subset("val", 4, 24, 48);
    try (GraftModel model = Graft.load(PythonSide.fixture("mobilenet_v1_025_pooled"))) {
      model.withPreprocessing(Preprocessing.symmetric());
      model.replaceHead(HeadSpec.builder().setNumClasses(2).build());
      String kernel = "conv_pw_13/kernel_1";
      String movingMean = "conv_pw_13_bn/moving_mean_1";
      String gamma = "conv_pw_13_bn/gamma_1";
      float[][] before = Tensors.variableValues(model, List.of(kernel, movingMean, gamma));
      List<float[][]> afterEpoch = new ArrayList<>();
      TrainingListener watch = new TrainingListener() {
        @Override
        public void onEpochEnd(EpochMetrics m) {
          afterEpoch.add(Tensors.variableValues(model, List.of(kernel, movingMean, gamma)));
        }
      };
      TrainResult result = model.train(train, val, TrainConfig.builder().optFreeze(FreezePolicy.all()).setEpochs(2)
          .optBatchSize(32).addListener(watch).build());

      int warmup = result.warmupEpochs();
      assertTrue(warmup >= 5, "an automatic warm-up of at least 5 epochs, got " + warmup);
      assertEquals(List.of("warm-up", "fine-tune"), result.plan().phases().stream().map(TrainPlan.Phase::name).toList());
      List<EpochMetrics> h = result.history();
      assertEquals(warmup + 2, h.size(), "two fine-tuning epochs after the warm-up: " + h);
      int headVariables = model.head().variables().size();
      for (int e = 0; e < h.size(); e++) {
        boolean warmingUp = e < warmup;
        assertEquals(warmingUp ? 1e-3 : 1e-5, h.get(e).learningRate(), 1e-9, "epoch " + (e + 1));
        assertEquals(warmingUp, h.get(e).trainedVariables() == headVariables, "epoch " + (e + 1));
      }
      assertArrayEquals(before[0], afterEpoch.get(warmup - 1)[0], "the backbone is frozen while the head warms up");
      float[][] fineTuned = afterEpoch.get(warmup);
      assertFalse(java.util.Arrays.equals(before[0], fineTuned[0]), "fine-tuning moves the backbone");
      assertFalse(java.util.Arrays.equals(before[2], fineTuned[2]), "and the batch norms' scale");
      double moved = 0;
      for (int i = 0; i < before[0].length; i++) {
        moved = Math.max(moved, Math.abs(before[0][i] - fineTuned[0][i]));
      }
      int steps = (train.size() + 31) / 32;
      assertTrue(moved <= steps * 1e-5 * 3.2, steps + " Adam steps at 1e-5 move a weight by less than "
          + steps * 3.2e-5 + ", got " + moved);
      assertArrayEquals(before[1], fineTuned[1], "batch norm stays in inference mode: moving statistics unchanged");

      double warmupBest = result.warmupBest(Monitor.VAL_ACCURACY);
      assertTrue(result.validation().accuracy() >= warmupBest,
          "final " + result.validation().accuracy() + " below the warm-up's best " + warmupBest + ": " + h);
      assertTrue(warmupBest > 0.8, "the pretrained features separate the classes: " + warmupBest);
    }
  }
}
