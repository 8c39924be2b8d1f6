package dev.graft.train;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.graft.Graft;
import dev.graft.GraftModel;
import dev.graft.data.LabeledData;
import dev.graft.data.Preprocessing;
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

  /** Trainable backbone variables (old head excluded) that the policy names, worked out independently. */
  private static Set<String> expected(GraftModel model, String policy) {
    List<String> layers = model.backboneLayers();
    Set<String> out = new TreeSet<>();
    for (VariableInfo v : model.model().variables()) {
      boolean backbone = v.trainable() && layers.contains(v.layer());
      boolean selected = switch (policy) {
        case "head" -> false;
        case "all" -> true;
        case "last:3" -> layers.indexOf(v.layer()) >= layers.size() - 3;
        default -> Pattern.compile(policy.substring("regex:".length())).matcher(v.name()).find();
      };
      if (backbone && selected) {
        out.add(v.name());
      }
    }
    return out;
  }
}
