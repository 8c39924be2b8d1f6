package dev.graft.python;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import com.fasterxml.jackson.databind.JsonNode;
import dev.graft.Graft;
import dev.graft.GraftModel;
import dev.graft.data.LabeledData;
import dev.graft.data.view.LabeledDatas;
import dev.graft.export.ExportOptions;
import dev.graft.head.HeadBuilder;
import dev.graft.head.HeadSpec;
import dev.graft.testing.ArrayFiles;
import dev.graft.testing.PythonFixture;
import dev.graft.testing.PythonSide;
import dev.graft.testing.PythonWorkerExtension;
import dev.graft.testing.Tensors;
import dev.graft.train.FreezePolicy;
import dev.graft.train.OptimizerSpec;
import dev.graft.train.TrainConfig;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.stream.Stream;
import org.junit.jupiter.api.extension.RegisterExtension;
import org.junit.jupiter.api.io.TempDir;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.MethodSource;

/**
 * Graft's gradients and optimizer updates against TensorFlow's own: from the same starting weights (the source
 * model plus Graft's initialised head, exported), on the same batch, one step of SGD and one of Adam, head-only
 * and with every layer trained. Python differentiates the starting export's graph with {@code tf.GradientTape}
 * and applies the Keras optimizer; every updated variable must agree.
 *
 * <p>The measure is each variable's relative update error: the norm of the differences between Graft's and
 * Python's new values over the norm of the change Python made, each difference less one float32 rounding of the
 * stored value (see {@link UpdateError}). Float sums come out in another order in the two runtimes (thread counts,
 * fused kernels), which moves a gradient element by a few roundings; 1e-4 is far above that and far below a wrong
 * gradient or update rule. Single elements are held to 1e-3 of the variable's largest update (see
 * {@link #ELEMENT_TOLERANCE}).
 */
class GoldenStepTest {

  private static final double TOLERANCE = 1e-4;
  /**
   * Adam's first step divides each gradient element by its own size plus epsilon (1e-7, Keras's and Graft's): an
   * element whose gradient is near 1e-7 moves by a large share of the learning rate, and the few float roundings by
   * which its gradient differs (sums over every position of a 112x112 feature map) are magnified up to 3e5 times.
   */
  private static final double ELEMENT_TOLERANCE = 1e-3;
  private static final float SGD_RATE = 0.1f;
  private static final float ADAM_RATE = 0.01f;
  private static final long SEED = 17;

  @RegisterExtension
  static final PythonWorkerExtension PYTHON = new PythonWorkerExtension();

  static Stream<String> networks() {
    List<String> networks = List.of("keras3_export_cnn", "mobilenet_v2", "efficientnet_b0");
    List<String> chosen = PythonFixture.names().filter(networks::contains).toList();
    return PythonSide.ready() && !chosen.isEmpty() ? chosen.stream() : Stream.of("python-side-unavailable");
  }

  private record Run(String name, OptimizerSpec optimizer, float learningRate, FreezePolicy policy) {}

  @ParameterizedTest(name = "{0}")
  @MethodSource("networks")
  void oneStepOfSgdAndAdamMatchesTensorFlow(String name, @TempDir Path tmp) {
    PythonFixture fixture = PythonFixture.of(name);
    int n = fixture.large() ? 4 : 16;
    LabeledData batch = fixture.examples(n, 3, SEED);
    String[] logits = new String[1];
    Path start = startingWeights(fixture, batch, tmp.resolve("start"), logits);
    List<Run> runs = List.of(
        new Run("sgd_head", OptimizerSpec.parse("sgd"), SGD_RATE, FreezePolicy.head()),
        new Run("adam_head", OptimizerSpec.adam(), ADAM_RATE, FreezePolicy.head()),
        new Run("sgd_all", OptimizerSpec.parse("sgd"), SGD_RATE, FreezePolicy.all()),
        new Run("adam_all", OptimizerSpec.adam(), ADAM_RATE, FreezePolicy.all()));
    Map<String, List<String>> trained = new LinkedHashMap<>();
    Map<String, float[][]> graft = new LinkedHashMap<>();
    Map<String, Double> losses = new LinkedHashMap<>();
    for (Run run : runs) {
      try (GraftModel model = Graft.load(fixture.dir())) {
        model.withPreprocessing(fixture.preprocessing()).replaceHead(head());
        losses.put(run.name(), model.train(batch, null, config(run.optimizer(), run.learningRate(), run.policy(), n))
            .history().get(0).trainLoss());
        List<String> names = new ArrayList<>(model.variablesTrainedBy(run.policy()));
        names.addAll(model.head().variables());
        trained.put(run.name(), names);
        graft.put(run.name(), Tensors.variableValues(model, names));
      }
    }
    JsonNode answer = PYTHON.get().call(Duration.ofMinutes(10),
        request(fixture, batch, start, logits[0], runs, trained, tmp));
    for (JsonNode result : answer.path("runs")) {
      String run = result.path("name").asText();
      List<String> names = trained.get(run);
      UpdateError worstL2 = new UpdateError(0, 0);
      UpdateError worstElement = new UpdateError(0, 0);
      String l2Variable = "";
      String elementVariable = "";
      for (int i = 0; i < names.size(); i++) {
        float[] before = ArrayFiles.readFloats(result.path("start").get(i));
        float[] tensorflow = ArrayFiles.readFloats(result.path("variables").get(i));
        float[] ours = graft.get(run)[i];
        assertEquals(tensorflow.length, ours.length, name + "/" + run + ": " + names.get(i));
        UpdateError error = UpdateError.of(before, tensorflow, ours);
        if (error.l2() >= worstL2.l2()) {
          worstL2 = error;
          l2Variable = names.get(i);
        }
        if (error.element() >= worstElement.element()) {
          worstElement = error;
          elementVariable = names.get(i);
        }
      }
      double loss = result.path("loss").asDouble();
      System.out.printf("%s %s: %d variables, loss %.6f (Graft %.6f), relative update error %.1e (%s), "
          + "largest element %.1e (%s)%n", name, run, names.size(), loss, losses.get(run), worstL2.l2(), l2Variable,
          worstElement.element(), elementVariable);
      assertEquals(loss, losses.get(run), 1e-5 * Math.abs(loss), name + "/" + run + ": the batch's loss");
      assertTrue(worstL2.l2() <= TOLERANCE, name + "/" + run + ": " + l2Variable + "'s update differs from "
          + "TensorFlow's by " + worstL2.l2() + " of its size");
      assertTrue(worstElement.element() <= ELEMENT_TOLERANCE, name + "/" + run + ": an element of " + elementVariable
          + " differs from TensorFlow's by " + worstElement.element() + " of the variable's largest update");
    }
    assertEquals(runs.size(), answer.path("runs").size());
  }

  /**
   * How far Graft's update of one variable is from TensorFlow's. Both runtimes round {@code w - step} to float32;
   * where a step is a few units in the last place of {@code w} (tiny gradients deep in a random-weight network),
   * the two roundings may land one float apart, which is the resolution of the comparison, not a disagreement of
   * gradients: each element's difference counts less one float32 rounding of the stored value.
   *
   * @param l2 the norm of the differences over the norm of TensorFlow's update
   * @param element the largest difference over the largest element of TensorFlow's update
   */
  record UpdateError(double l2, double element) {
    static UpdateError of(float[] before, float[] theirs, float[] ours) {
      double diff = 0;
      double diff2 = 0;
      double update = 0;
      double update2 = 0;
      for (int i = 0; i < before.length; i++) {
        double d = Math.max(0, Math.abs((double) ours[i] - theirs[i]) - Math.ulp(theirs[i]));
        double u = Math.abs((double) theirs[i] - before[i]);
        diff = Math.max(diff, d);
        diff2 += d * d;
        update = Math.max(update, u);
        update2 += u * u;
      }
      if (update == 0) {
        return diff == 0 ? new UpdateError(0, 0) : new UpdateError(Double.POSITIVE_INFINITY, Double.POSITIVE_INFINITY);
      }
      return new UpdateError(Math.sqrt(diff2 / update2), diff / update);
    }
  }

  private static HeadSpec head() {
    return HeadSpec.builder().setNumClasses(3).optDropout(0f).build();
  }

  private static TrainConfig config(OptimizerSpec optimizer, float learningRate, FreezePolicy policy, int batch) {
    // one epoch of one batch: one step; no label smoothing, batch normalization in inference mode
    return TrainConfig.builder().setEpochs(1).optBatchSize(batch).optOptimizer(optimizer)
        .optLearningRate(learningRate).optFreeze(policy).optSeed(SEED).optLabelSmoothing(0f).build();
  }

  /**
   * The source model plus Graft's initialised head, written out: after a head-only step (the backbone stays as
   * loaded) the head is initialised again from the same seed, as every run's training initialises it, and the
   * export holds exactly the weights each run starts from.
   */
  private static Path startingWeights(PythonFixture fixture, LabeledData batch, Path out, String[] logits) {
    try (GraftModel model = Graft.load(fixture.dir())) {
      model.withPreprocessing(fixture.preprocessing()).replaceHead(head());
      model.train(batch, null, config(OptimizerSpec.parse("sgd"), SGD_RATE, FreezePolicy.head(), batch.size()));
      HeadBuilder.initialize(model.model(), model.head(), SEED);
      logits[0] = model.head().logits();
      return model.export(out, ExportOptions.builder().optInputContract(ExportOptions.InputContract.DROP_IN).build());
    }
  }

  private static Map<String, Object> request(PythonFixture fixture, LabeledData batch, Path start, String logits,
      List<Run> runs, Map<String, List<String>> trained, Path tmp) {
    LabeledData scaled = LabeledDatas.preprocessed(batch, fixture.preprocessing());
    Map<String, Object> request = new LinkedHashMap<>();
    request.put("op", "golden_steps");
    request.put("start", start.toString());
    request.put("logits", logits);
    request.put("input", ArrayFiles.floats(tmp.resolve("batch.bin"), LabeledDatas.readAll(scaled),
        fixture.batchShape(batch.size())));
    request.put("labels", LabeledDatas.labels(batch));
    List<Map<String, Object>> specs = new ArrayList<>();
    for (Run run : runs) {
      Map<String, Object> optimizer = new LinkedHashMap<>();
      OptimizerSpec.Adam adam = run.optimizer().moments().orElse(null);
      optimizer.put("kind", adam == null ? "sgd" : "adam");
      optimizer.put("learning_rate", run.learningRate());
      if (adam != null) {
        optimizer.put("beta_1", adam.beta1());
        optimizer.put("beta_2", adam.beta2());
        optimizer.put("epsilon", adam.epsilon());
      }
      specs.add(Map.of("name", run.name(), "optimizer", optimizer, "variables", trained.get(run.name())));
    }
    request.put("runs", specs);
    request.put("out", tmp.resolve("python").toString());
    return request;
  }
}
