package dev.graft.train;

import dev.graft.data.read.InMemoryData;
import dev.graft.head.CutChoice;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.graft.Graft;
import dev.graft.error.GraftException;
import dev.graft.GraftModel;
import dev.graft.data.read.DataOptions;
import dev.graft.data.spec.DataSources;
import dev.graft.data.view.DataViews;
import dev.graft.data.LabeledData;
import dev.graft.data.view.LabeledDatas;
import dev.graft.data.transform.Preprocessing;
import dev.graft.export.ExportOptions;
import dev.graft.head.HeadSpec;
import dev.graft.testing.SharedModels;
import dev.graft.testing.TeacherData;
import java.nio.file.Path;
import java.util.List;
import java.util.Random;
import java.util.stream.IntStream;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.tensorflow.proto.DeviceStepStats;
import org.tensorflow.proto.NodeExecStats;
import org.tensorflow.proto.StepStats;

/** Gradual unfreezing, early stopping with best weights, the NaN guard and a second round of transfer. */
class TrainingLoopTest {

  @TempDir Path dir;

  private static LabeledData fashion(String split, int n) {
    LabeledData data = DataSources.open("fashion-mnist-subset:" + split,
        DataOptions.builder().optClasses("5,6,7,8,9").build());
    return LabeledDatas.subset(data, IntStream.range(0, n).toArray());
  }

  @Test
  void cachedFeaturesStayWithTheirLabelsWhenAnExampleIsSkipped() {
    LabeledData data = fashion("train", 200);
    int bad = 17;
    LabeledData breaksOnRead = DataViews.unreadableWhere(data, i -> i == bad);
    int[] good = IntStream.range(0, data.size()).filter(i -> i != bad).toArray();
    TrainResult skipped = trainHeadOnly(breaksOnRead);
    TrainResult without = trainHeadOnly(LabeledDatas.subset(data, good));
    assertTrue(skipped.featureCacheUsed());
    assertEquals(1, skipped.skippedWhileTraining());
    assertEquals(without.history().stream().map(EpochMetrics::trainLoss).toList(),
        skipped.history().stream().map(EpochMetrics::trainLoss).toList(),
        "skipping example " + bad + " must train exactly as the data without it");
  }

  @Test
  void trainingOnDataThatIsAllUnreadableStopsWithAClearError() {
    LabeledData data = fashion("train", 40);
    LabeledData unreadable = DataViews.unreadableWhere(data, i -> true);
    for (FreezePolicy policy : List.of(FreezePolicy.head(), FreezePolicy.all())) {
      try (GraftModel model = Graft.load(Path.of("savedmodels/fashion_cnn"), CutChoice.layer("flatten"))) {
        model.replaceHead(HeadSpec.builder().setNumClasses(5).build());
        GraftException e = assertThrows(GraftException.class, () -> model.train(unreadable, null,
            TrainConfig.builder().setEpochs(1).optSkipBad(true).optFreeze(policy).build()));
        assertTrue(e.getMessage().contains("run without skipBad (TrainConfig.Builder.optSkipBad)"), e.getMessage());
      }
    }
  }

  private static TrainResult trainHeadOnly(LabeledData data) {
    try (GraftModel model = Graft.load(Path.of("savedmodels/fashion_cnn"), CutChoice.layer("flatten"))) {
      model.replaceHead(HeadSpec.builder().setNumClasses(5).build());
      return model.train(data, null, TrainConfig.builder().setEpochs(2).optSkipBad(true).build());
    }
  }

  @Test
  void devicesAreReadFromStepStatsBusiestFirst() {
    StepStats stats = StepStats.newBuilder()
        .addDevStats(DeviceStepStats.newBuilder().setDevice("/job:localhost/replica:0/task:0/device:CPU:0")
            .addNodeStats(NodeExecStats.newBuilder().setAllEndRelMicros(40)))
        .addDevStats(DeviceStepStats.newBuilder().setDevice("/job:localhost/replica:0/task:0/device:GPU:0")
            .addNodeStats(NodeExecStats.newBuilder().setAllEndRelMicros(900))
            .addNodeStats(NodeExecStats.newBuilder().setAllEndRelMicros(100)))
        .addDevStats(DeviceStepStats.newBuilder().setDevice("/job:localhost/replica:0/task:0/device:GPU:1"))
        .build();
    assertEquals(List.of("GPU:0", "CPU:0"), Trainer.devicesOf(stats), "GPU:1 ran nothing");
    assertEquals(List.of(), Trainer.devicesOf(null));
  }

  @Test
  void gradualUnfreezingAddsOneLayerFromTheTopEachStage() {
    try (GraftModel model = Graft.load(Path.of("savedmodels/fashion_cnn"), CutChoice.layer("flatten"))) {
      model.replaceHead(HeadSpec.builder().setNumClasses(5).build());
      assertEquals(List.of("conv2d", "batch_normalization", "conv2d_1", "batch_normalization_1"), model.backboneLayers());
      TrainResult result = model.train(fashion("train", 256), null, TrainConfig.builder().setEpochs(3)
          .optFreeze(FreezePolicy.all()).optUnfreezeEvery(1).build());
      assertEquals(List.of(2, 4, 6), result.history().stream().map(EpochMetrics::trainedVariables).toList());
      assertTrue(!result.featureCacheUsed());
      assertEquals(List.of("CPU:0"), result.devices(), "this machine has no GPU: TensorFlow must say the CPU ran");
    }
  }

  @Test
  void aSecondTrainCallIsRefusedWithTheWayOut() {
    try (GraftModel model = Graft.load(Path.of("savedmodels/fashion_cnn"))) {
      model.replaceHead(HeadSpec.builder().setNumClasses(5).build());
      LabeledData data = fashion("train", 64);
      model.train(data, null, TrainConfig.builder().setEpochs(1).build());
      IllegalStateException e = assertThrows(IllegalStateException.class,
          () -> model.train(data, null, TrainConfig.builder().setEpochs(1).build()));
      assertTrue(e.getMessage().contains("retrain the export"), e.getMessage());
    }
  }

  @Test
  void earlyStoppingKeepsTheBestEpochsWeights() {
    LabeledData train = fashion("train", 512);
    int[] labels = LabeledDatas.labels(train);
    int[] shuffled = labels.clone();
    Random random = new Random(4);
    for (int i = 0; i < shuffled.length; i++) {
      shuffled[i] = random.nextInt(5);
    }
    float[] values = LabeledDatas.readAll(train);
    LabeledData noisyVal = InMemoryData.of(values, train.exampleShape(), shuffled, train.classNames());
    try (GraftModel model = Graft.load(Path.of("savedmodels/fashion_cnn"), CutChoice.layer("flatten"))) {
      model.replaceHead(HeadSpec.builder().setNumClasses(5).build());
      TrainResult result = model.train(train, noisyVal, TrainConfig.builder().setEpochs(20).optPatience(1)
          .optMonitor(Monitor.VAL_LOSS).optLearningRate(1e-2f).build());
      assertTrue(result.stoppedEarly(), "validation labels are noise: the loss stops improving");
      assertTrue(result.history().size() < 20);
      EpochMetrics best = result.history().get(result.bestEpoch() - 1);
      assertEquals(best.valLoss(), result.validation().loss(), 1e-6, "the model holds the best epoch's weights");
      for (EpochMetrics m : result.history()) {
        assertTrue(m.valLoss() >= best.valLoss());
      }
    }
  }

  @Test
  void aDivergingRunStopsWithAClearError() {
    try (GraftModel model = Graft.load(SharedModels.model("tfnet-mnist-mlp-functional"))) {
      LabeledData data = TeacherData.make(model.model().input(), model.model().graph(), 128, 3, 1);
      model.withPreprocessing(Preprocessing.none()).replaceHead(HeadSpec.builder().setNumClasses(3).build());
      GraftException e = assertThrows(GraftException.class, () -> model.train(data, null, TrainConfig.builder()
          .setEpochs(3).optOptimizer(OptimizerSpec.parse("sgd")).optLearningRate(Float.MAX_VALUE).build()));
      assertTrue(e.getMessage().matches("The training loss became (NaN|Infinity|-Infinity) at epoch \\d+, batch \\d+\\..*"),
          e.getMessage());
      assertTrue(e.getMessage().contains("Lower learningRate (TrainConfig.Builder.optLearningRate)"), e.getMessage());
    }
  }

  @Test
  void anExportIsTheBackboneOfASecondTransfer() {
    Path first;
    try (GraftModel model = Graft.load(Path.of("savedmodels/fashion_cnn"), CutChoice.layer("flatten"))) {
      model.replaceHead(HeadSpec.builder().setNumClasses(5).optHidden(32).build());
      model.train(fashion("train", 512), null, TrainConfig.builder().setEpochs(1).build());
      first = model.export(dir.resolve("first"), ExportOptions.defaults());
    }
    LabeledData threeClasses = DataSources.open("fashion-mnist-subset:train",
        DataOptions.builder().optClasses("Sandal,Sneaker,Ankle boot").build());
    try (GraftModel second = Graft.load(first)) {
      assertEquals(Preprocessing.Mode.UNIT, second.preprocessing().mode(),
          "the first export is a drop-in taking [0,1] values, and its graft.json says so");
      assertEquals(1568, second.cut().featureSize(), "the first head, hidden layer and classifier, is the old head "
          + "(as a nested head of dense layers always is), so the new cut reads the features the first head read");
      assertEquals(4, second.cut().oldHeadVariables().size(), "" + second.cut().oldHeadVariables());
      second.replaceHead(HeadSpec.builder().setNumClasses(3).build());
      TrainResult result = second.train(threeClasses, null, TrainConfig.builder().setEpochs(3)
          .optLearningRate(1e-2f).build());
      List<EpochMetrics> h = result.history();
      assertTrue(h.get(2).trainLoss() < h.get(0).trainLoss() && h.get(2).trainAccuracy() > 0.5, "" + h);
      Path again = second.export(dir.resolve("second"), ExportOptions.defaults());
      assertTrue(again.resolve("saved_model.pb").toFile().isFile());
    }
  }
}
