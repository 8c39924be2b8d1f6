package dev.graft.train;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.graft.Graft;
import dev.graft.GraftModel;
import dev.graft.data.read.DataOptions;
import dev.graft.data.spec.DataSources;
import dev.graft.data.LabeledData;
import dev.graft.data.view.LabeledDatas;
import dev.graft.export.ExportOptions;
import dev.graft.head.HeadSpec;
import dev.graft.model.VariableInfo;
import dev.graft.testing.SharedModels;
import dev.graft.testing.Tensors;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.tensorflow.Result;
import org.tensorflow.SavedModelBundle;
import org.tensorflow.ndarray.Shape;
import org.tensorflow.ndarray.buffer.DataBuffers;
import org.tensorflow.types.TFloat32;

/** Head swap, head-only training, export and reload on a Keras MLP exported by Python. */
class RetrainRoundTripTest {

  @TempDir Path dir;

  @Test
  void headOnlyTrainingLearnsKeepsBackboneAndExportsWhatItPredicts() throws Exception {
    Path modelDir = SharedModels.model("tfnet-mnist-mlp-functional");
    DataOptions options = DataOptions.builder().optClasses("5,6,7,8,9").build();
    LabeledData train = DataSources.open("fashion-mnist-subset:train", options);
    LabeledData test = DataSources.open("fashion-mnist-subset:test", options);
    try (GraftModel model = Graft.load(modelDir)) {
      assertEquals(100, model.cut().featureSize());
      assertEquals(10, model.cut().numClasses());
      model.replaceHead(HeadSpec.builder().setNumClasses(5).build());
      List<String> backbone = model.model().variables().stream().map(VariableInfo::name).toList();
      float[][] before = Tensors.variableValues(model, backbone);
      TrainResult result = model.train(train, test,
          TrainConfig.builder().setEpochs(3).optLearningRate(3e-3f).optSeed(7).build());
      assertTrue(result.featureCacheUsed());
      List<EpochMetrics> h = result.history();
      assertTrue(h.get(2).trainLoss() < h.get(0).trainLoss(), "loss must fall: " + h);
      assertTrue(result.validation().accuracy() > 0.6, "accuracy " + result.validation().accuracy());
      float[][] after = Tensors.variableValues(model, backbone);
      for (int i = 0; i < backbone.size(); i++) {
        assertArrayEquals(before[i], after[i], "frozen variable " + backbone.get(i) + " changed");
      }

      Path version = model.export(dir.resolve("export"), ExportOptions.defaults());
      assertEquals("1", version.getFileName().toString());
      assertTrue(Files.isRegularFile(version.resolve("assets/labels.txt")));
      assertTrue(Files.isRegularFile(version.resolve("assets.extra/graft.json")));
      float[] raw = new float[28 * 28 * 8];
      for (int i = 0; i < 8; i++) {
        test.readFloats(i, raw, i * 784);
      }
      float[] scaled = raw.clone();
      for (int i = 0; i < scaled.length; i++) {
        scaled[i] /= 255f;
      }
      float[] inSession;
      try (TFloat32 x = TFloat32.tensorOf(Shape.of(8, 28, 28, 1), DataBuffers.of(scaled, true, false));
          Result r = model.model().session().runner().feed(model.model().input().tensor(), x)
              .fetch(model.head().probabilities()).run()) {
        inSession = Tensors.floats(r.get(0));
      }
      // The default export is a drop-in for the source model: it takes the [0,1] values the source took.
      try (SavedModelBundle bundle = SavedModelBundle.load(version.toString(), "serve");
          TFloat32 x = TFloat32.tensorOf(Shape.of(8, 28, 28, 1), DataBuffers.of(scaled, true, false));
          Result r = bundle.call(java.util.Map.of("input_1", x))) {
        float[] exported = Tensors.floats(r.get("probabilities").orElseThrow());
        for (int i = 0; i < exported.length; i++) {
          assertEquals(inSession[i], exported[i], 1e-6, "probability " + i);
        }
        assertTrue(r.get("labels").isPresent());
        assertTrue(r.get("class_ids").isPresent());
      }
      // With the raw-pixels contract the export scales raw pixel values itself.
      Path rawVersion = model.export(dir.resolve("raw"), ExportOptions.builder()
          .optInputContract(ExportOptions.InputContract.RAW_PIXELS).build());
      try (SavedModelBundle bundle = SavedModelBundle.load(rawVersion.toString(), "serve");
          TFloat32 x = TFloat32.tensorOf(Shape.of(8, 28, 28, 1), DataBuffers.of(raw, true, false));
          Result r = bundle.call(java.util.Map.of("input_1", x))) {
        float[] exported = Tensors.floats(r.get("probabilities").orElseThrow());
        for (int i = 0; i < exported.length; i++) {
          assertEquals(inSession[i], exported[i], 1e-6, "probability " + i + " of the raw-pixels export");
        }
      }
      try (GraftModel again = Graft.load(version)) {
        assertEquals(5, again.cut().numClasses());
        assertFalse(again.cut().oldHeadVariables().isEmpty());
      }
    }
  }
}
