package dev.graft.train;

import static org.junit.jupiter.api.Assertions.assertEquals;
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
import java.util.Arrays;
import java.util.List;
import java.util.Set;
import java.util.TreeSet;
import java.util.regex.Pattern;
import java.util.stream.Stream;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.Arguments;
import org.junit.jupiter.params.provider.MethodSource;

/** Every optimizer with every schedule learns; every freeze policy changes exactly what it selects. */
class TrainingContractTest {

  static Stream<Arguments> optimizersAndSchedules() {
    List<Arguments> cases = new ArrayList<>();
    for (String optimizer : List.of("sgd", "momentum", "nesterov", "adam", "adamw:0.01")) {
      for (String schedule : List.of("constant", "step:1:0.5", "cosine:1", "onecycle")) {
        cases.add(Arguments.of(optimizer, schedule));
      }
    }
    return cases.stream();
  }

  @ParameterizedTest(name = "{0} with {1}")
  @MethodSource("optimizersAndSchedules")
  void everyOptimizerAndScheduleLowersTheLoss(String optimizer, String schedule) {
    try (GraftModel model = Graft.load(SharedModels.model("tfnet-mnist-mlp-functional"))) {
      LabeledData data = TeacherData.make(model.model().input(), model.model().graph(), 256, 3, 21);
      model.withPreprocessing(Preprocessing.none()).replaceHead(HeadSpec.builder().setNumClasses(3).build());
      float lr = optimizer.startsWith("adam") ? 1e-2f : 2e-3f;
      TrainResult result = model.train(data, null, TrainConfig.builder().setEpochs(4).optBatchSize(32)
          .optLearningRate(lr).optOptimizer(OptimizerSpec.parse(optimizer)).optSchedule(LrSchedule.parse(schedule))
          .build());
      List<EpochMetrics> h = result.history();
      assertTrue(h.get(3).trainLoss() < h.get(0).trainLoss(), optimizer + "/" + schedule + ": " + h);
    }
  }

  static Stream<Arguments> policies() {
    return Stream.of(Arguments.of("head"), Arguments.of("last:3"), Arguments.of("regex:^conv2d_4/"),
        Arguments.of("all"));
  }

  @ParameterizedTest(name = "{0}")
  @MethodSource("policies")
  void freezePolicyChangesExactlyTheSelectedVariables(String policy) {
    try (GraftModel model = Graft.load(SharedModels.model("mlperf-tiny-kws-dscnn"))) {
      LabeledData data = TeacherData.make(model.model().input(), model.model().graph(), 96, 3, 2);
      model.withPreprocessing(Preprocessing.none()).replaceHead(HeadSpec.builder().setNumClasses(3).build());
      List<VariableInfo> vars = model.model().variables();
      List<String> names = vars.stream().map(VariableInfo::name).toList();
      float[][] before = Tensors.variableValues(model, names);
      model.train(data, null, TrainConfig.builder().setEpochs(1).optBatchSize(32).optLearningRate(1e-2f)
          .optFreeze(FreezePolicy.parse(policy)).build());
      float[][] after = Tensors.variableValues(model, names);
      Set<String> changed = new TreeSet<>();
      for (int i = 0; i < names.size(); i++) {
        if (!Arrays.equals(before[i], after[i])) {
          changed.add(names.get(i));
        }
      }
      assertEquals(expected(model, policy), changed, policy);
    }
  }

  /**
   * The DS-CNN's backbone, input to output, as its Keras definition builds it (conv2d + batch norm, then four
   * depthwise-separable blocks of depthwise conv, batch norm, 1x1 conv, batch norm), written out here rather than
   * read from the model so that the expectation does not come from the code under test.
   */
  private static final List<String> DS_CNN_LAYERS = dsCnnLayers();

  private static List<String> dsCnnLayers() {
    List<String> layers = new ArrayList<>(List.of("conv2d", "batch_normalization"));
    for (int block = 0; block < 4; block++) {
      layers.add(block == 0 ? "depthwise_conv2d" : "depthwise_conv2d_" + block);
      layers.add("batch_normalization_" + (2 * block + 1));
      layers.add("conv2d_" + (block + 1));
      layers.add("batch_normalization_" + (2 * block + 2));
    }
    return layers;
  }

  /** The trainable variables of one Keras layer of the DS-CNN, by the layer's kind. */
  private static List<String> trainableVariables(String layer) {
    if (layer.startsWith("batch_normalization")) {
      return List.of(layer + "/gamma", layer + "/beta");
    }
    if (layer.startsWith("depthwise_conv2d")) {
      return List.of(layer + "/depthwise_kernel", layer + "/bias");
    }
    return List.of(layer + "/kernel", layer + "/bias");
  }

  /** Trainable backbone variables (old head excluded) that the policy names, from the architecture above. */
  private static Set<String> expected(GraftModel model, String policy) {
    assertEquals(18, DS_CNN_LAYERS.size());
    Set<String> out = new TreeSet<>();
    for (int i = 0; i < DS_CNN_LAYERS.size(); i++) {
      for (String variable : trainableVariables(DS_CNN_LAYERS.get(i))) {
        boolean selected = switch (policy) {
          case "head" -> false;
          case "all" -> true;
          case "last:3" -> i >= DS_CNN_LAYERS.size() - 3;
          default -> Pattern.compile(policy.substring("regex:".length())).matcher(variable).find();
        };
        if (selected) {
          out.add(variable);
        }
      }
    }
    if (!policy.equals("head")) {
      assertTrue(!out.isEmpty(), policy + " selects nothing in the DS-CNN: the expectation is wrong");
    }
    return out;
  }
}
