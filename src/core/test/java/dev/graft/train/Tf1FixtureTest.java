package dev.graft.train;

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

/** The TF1 fixture: reference variables become trainable resource variables; raw logits become old probabilities. */
class Tf1FixtureTest {

  @TempDir Path dir;

  @Test
  void tf1GraphWithRawLogitsRetrainsAndKeepsItsOldHead() {
    Path source = Path.of("savedmodels/fashion_mlp_tf1");
    LabeledData train = LabeledDatas.subset(DataSources.open("fashion-mnist-subset:train",
        DataOptions.builder().optClasses("5,6,7,8,9").build()), IntStream.range(0, 500).toArray());
    Path export;
    try (GraftModel model = Graft.load(source)) {
      assertEquals(dev.graft.graph.CutPoint.Activation.NONE, model.cut().activation());
      assertEquals(128, model.cut().featureSize());
      assertEquals(5, model.cut().numClasses());
      assertEquals(java.util.Set.of("dense_1/kernel", "dense_1/bias"), java.util.Set.copyOf(model.cut().oldHeadVariables()));
      model.replaceHead(HeadSpec.builder().setNumClasses(5).build());
      float[][] before = Tensors.variableValues(model, List.of("dense/kernel"));
      model.train(train, null, TrainConfig.builder().setEpochs(1).optFreeze(FreezePolicy.last(1)).build());
      assertFalse(Arrays.equals(before[0], Tensors.variableValues(model, List.of("dense/kernel"))[0]),
          "last:1 trains the converted VariableV2 dense/kernel");
    }
    try (GraftModel model = Graft.load(source)) {
      // Head-only training leaves the layers the old head reads untouched, so it still answers the old task.
      model.replaceHead(HeadSpec.builder().setNumClasses(5).build());
      model.train(train, null, TrainConfig.builder().setEpochs(1).build());
      export = model.export(dir, ExportOptions.builder().optKeepOldHead(true).build());
    }
    float[] raw = new float[3 * 784];
    for (int i = 0; i < 3; i++) {
      train.readFloats(i, raw, i * 784);
    }
    float[] scaled = raw.clone();
    for (int i = 0; i < scaled.length; i++) {
      scaled[i] /= 255f;
    }
    try (SavedModelBundle original = SavedModelBundle.load(source.toString(), "serve");
        SavedModelBundle exported = SavedModelBundle.load(export.toString(), "serve");
        TFloat32 x = TFloat32.tensorOf(Shape.of(3, 28, 28, 1), DataBuffers.of(scaled, true, false));
        Result logits = original.call(Map.of("input", x));
        Result old = exported.function("original").call(Map.of("input", x));
        Result serving = exported.call(Map.of("input", x))) {
      // The drop-in export's 'original' signature is the source's own: same input, same output key, same values.
      float[] l = Tensors.floats(logits.get("logits").orElseThrow());
      float[] same = Tensors.floats(old.get("logits").orElseThrow());
      float[] p = Tensors.floats(serving.get("old_probabilities").orElseThrow());
      for (int row = 0; row < 3; row++) {
        double sum = 0;
        for (int c = 0; c < 5; c++) {
          sum += Math.exp(l[row * 5 + c]);
          assertEquals(l[row * 5 + c], same[row * 5 + c], 1e-6, "the original signature's logits");
        }
        for (int c = 0; c < 5; c++) {
          assertEquals(Math.exp(l[row * 5 + c]) / sum, p[row * 5 + c], 1e-5, "softmax of the old logits");
        }
      }
    }
  }
}
