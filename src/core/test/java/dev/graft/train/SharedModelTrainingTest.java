package dev.graft.train;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.graft.Graft;
import dev.graft.GraftModel;
import dev.graft.data.LabeledData;
import dev.graft.data.transform.Preprocessing;
import dev.graft.head.HeadSpec;
import dev.graft.model.VariableInfo;
import dev.graft.testing.SharedModels;
import dev.graft.testing.TeacherData;
import dev.graft.testing.Tensors;
import java.util.ArrayList;
import java.util.List;
import java.util.Set;
import java.util.TreeSet;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.ValueSource;

/** Every trainable classifier of the shared corpus: head-only learns and freezes; last:1 trains exactly one more layer. */
class SharedModelTrainingTest {


  @ParameterizedTest
  @ValueSource(strings = {"mlperf-tiny-kws-dscnn", "tfnet-mnist-mlp-functional", "tfnet-custom-layer-softmax-tf211",
      "tfx-penguin-tfexample-tf23"})
  void headOnlyLowersTheLossAndKeepsTheBackbone(String name) {
    try (GraftModel model = Graft.load(SharedModels.model(name))) {
      LabeledData data = TeacherData.make(model.model().input(), model.model().graph(), 256, 3, 11);
      model.withPreprocessing(Preprocessing.none()).replaceHead(HeadSpec.builder().setNumClasses(3).build());
      List<String> backbone = model.model().variables().stream().map(VariableInfo::name).toList();
      float[][] before = Tensors.variableValues(model, backbone);
      TrainResult result = model.train(data, null, TrainConfig.builder().setEpochs(4).optBatchSize(32)
          .optLearningRate(1e-2f).optSeed(3).build());
      List<EpochMetrics> h = result.history();
      assertTrue(h.get(3).trainLoss() < h.get(0).trainLoss(), name + ": loss must fall " + h);
      float[][] after = Tensors.variableValues(model, backbone);
      for (int i = 0; i < backbone.size(); i++) {
        assertArrayEquals(before[i], after[i], name + ": frozen " + backbone.get(i) + " changed");
      }
    }
  }

  @ParameterizedTest
  @ValueSource(strings = {"mlperf-tiny-kws-dscnn", "tfnet-mnist-mlp-functional", "tfx-penguin-tfexample-tf23"})
  void lastOneTrainsExactlyTheLastBackboneLayer(String name) {
    try (GraftModel model = Graft.load(SharedModels.model(name))) {
      LabeledData data = TeacherData.make(model.model().input(), model.model().graph(), 128, 3, 5);
      model.withPreprocessing(Preprocessing.none()).replaceHead(HeadSpec.builder().setNumClasses(3).build());
      List<String> all = new ArrayList<>(model.model().variables().stream().map(VariableInfo::name).toList());
      float[][] before = Tensors.variableValues(model, all);
      TrainConfig lastOne = TrainConfig.builder().setEpochs(1).optBatchSize(32).optLearningRate(1e-2f)
          .optFreeze(FreezePolicy.last(1)).build();
      model.train(data, null, lastOne);
      float[][] after = Tensors.variableValues(model, all);
      Set<String> changed = new TreeSet<>();
      for (int i = 0; i < all.size(); i++) {
        if (!java.util.Arrays.equals(before[i], after[i])) {
          changed.add(all.get(i));
        }
      }
      Set<String> expected = new TreeSet<>();
      List<String> layers = model.backboneLayers();
      assertFalse(layers.isEmpty(), name + " has trainable backbone layers, but none were found");
      String last = layers.get(layers.size() - 1);
      model.model().variables().stream().filter(v -> v.layer().equals(last) && v.trainable())
          .forEach(v -> expected.add(v.name()));
      assertFalse(expected.isEmpty(), name + ": the last backbone layer '" + last + "' has no trainable variable");
      assertEquals(expected, changed, name + ": backbone variables changed by last:1");
    }
  }

  /** The custom-layer model is one custom layer and a Softmax: that layer is the head, no backbone layer remains. */
  @Test
  void customLayerModelIsAllHead() {
    try (GraftModel model = Graft.load(SharedModels.model("tfnet-custom-layer-softmax-tf211"))) {
      assertEquals(List.of(), model.backboneLayers());
      assertFalse(model.cut().oldHeadVariables().isEmpty(), "the custom layer's variables belong to the old head");
      // no backbone layer owns a trainable variable: last:1 cannot be honoured, and says so instead of training
      // the head alone
      LabeledData data = TeacherData.make(model.model().input(), model.model().graph(), 64, 3, 5);
      model.withPreprocessing(Preprocessing.none()).replaceHead(HeadSpec.builder().setNumClasses(3).build());
      IllegalArgumentException e = assertThrows(IllegalArgumentException.class, () -> model.train(data, null,
          TrainConfig.builder().setEpochs(1).optBatchSize(32).optFreeze(FreezePolicy.last(1)).build()));
      assertTrue(e.getMessage().contains("the backbone has 0 with trainable variables"), e.getMessage());
    }
  }
}
