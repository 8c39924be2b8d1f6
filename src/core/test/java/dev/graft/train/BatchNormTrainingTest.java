package dev.graft.train;

import dev.graft.head.CutChoice;
import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;

import dev.graft.Graft;
import dev.graft.GraftModel;
import dev.graft.data.read.DataOptions;
import dev.graft.data.spec.DataSources;
import dev.graft.data.LabeledData;
import dev.graft.data.view.LabeledDatas;
import dev.graft.export.ExportOptions;
import dev.graft.head.HeadSpec;
import dev.graft.testing.Tensors;
import java.nio.file.Path;
import java.util.Arrays;
import java.util.List;
import java.util.Map;
import java.util.stream.IntStream;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.tensorflow.Result;
import org.tensorflow.SavedModelBundle;
import org.tensorflow.ndarray.Shape;
import org.tensorflow.ndarray.buffer.DataBuffers;
import org.tensorflow.types.TFloat32;

/** --bn-train: trained batch-norm layers update their moving statistics; frozen ones and the export stay in inference mode. */
class BatchNormTrainingTest {

  @TempDir Path dir;

  @Test
  void trainedBatchNormUpdatesItsMovingStatisticsOnly() {
    LabeledData train = LabeledDatas.subset(DataSources.open("fashion-mnist-subset:train",
        DataOptions.builder().optClasses("5,6,7,8,9").build()), IntStream.range(0, 640).toArray());
    List<String> watched = List.of("batch_normalization/moving_mean", "batch_normalization_1/moving_mean",
        "batch_normalization_1/moving_variance", "batch_normalization_1/gamma", "conv2d_1/kernel");
    try (GraftModel model = Graft.load(Path.of("savedmodels/fashion_cnn"), CutChoice.layer("flatten"))) {
      model.replaceHead(HeadSpec.builder().setNumClasses(5).build());
      float[][] before = Tensors.variableValues(model, watched);
      model.train(train, null, TrainConfig.builder().setEpochs(1).optFreeze(FreezePolicy.last(1))
          .optBatchNormTraining(true).optBatchNormMomentum(0.9f).build());
      float[][] after = Tensors.variableValues(model, watched);
      assertArrayEquals(before[0], after[0], "frozen batch_normalization keeps its moving mean");
      assertFalse(Arrays.equals(before[1], after[1]), "trained batch_normalization_1 updates its moving mean");
      assertFalse(Arrays.equals(before[2], after[2]), "and its moving variance");
      assertFalse(Arrays.equals(before[3], after[3]), "and trains gamma");
      assertArrayEquals(before[4], after[4], "conv2d_1 is not in last:1");

      float[] raw = new float[4 * 784];
      for (int i = 0; i < 4; i++) {
        train.readFloats(i, raw, i * 784);
      }
      float[] scaled = raw.clone();
      for (int i = 0; i < scaled.length; i++) {
        scaled[i] /= 255f;
      }
      float[] inference;
      try (TFloat32 x = TFloat32.tensorOf(Shape.of(4, 28, 28, 1), DataBuffers.of(scaled, true, false));
          Result r = model.model().session().runner().feed(model.model().input().tensor(), x)
              .fetch(model.head().probabilities()).run()) {
        inference = Tensors.floats(r.get(0));
      }
      Path export = model.export(dir, ExportOptions.defaults());
      try (SavedModelBundle bundle = SavedModelBundle.load(export.toString(), "serve");
          TFloat32 x = TFloat32.tensorOf(Shape.of(4, 28, 28, 1), DataBuffers.of(scaled, true, false));
          Result r = bundle.call(Map.of("input_1", x))) {
        float[] served = Tensors.floats(r.get("probabilities").orElseThrow());
        for (int i = 0; i < served.length; i++) {
          assertEquals(inference[i], served[i], 1e-5, "the export uses the updated moving statistics");
        }
      }
    }
  }
}
