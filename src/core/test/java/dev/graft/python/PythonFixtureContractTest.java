package dev.graft.python;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import com.fasterxml.jackson.databind.JsonNode;
import dev.graft.Graft;
import dev.graft.GraftModel;
import dev.graft.data.LabeledData;
import dev.graft.head.HeadSpec;
import dev.graft.model.LoadedModel;
import dev.graft.model.SignatureInfo;
import dev.graft.model.TensorSpec;
import dev.graft.model.VariableInfo;
import dev.graft.testing.ArrayFiles;
import dev.graft.testing.FeatureTeacher;
import dev.graft.testing.PythonFixture;
import dev.graft.testing.PythonWorkerExtension;
import dev.graft.testing.Tensors;
import dev.graft.testing.TextData;
import dev.graft.train.EpochMetrics;
import dev.graft.train.TrainConfig;
import dev.graft.train.TrainResult;
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
import org.tensorflow.Result;
import org.tensorflow.SavedModelBundle;
import org.tensorflow.Session;
import org.tensorflow.Tensor;
import org.tensorflow.exceptions.TFFailedPreconditionException;
import org.tensorflow.ndarray.Shape;
import org.tensorflow.ndarray.buffer.DataBuffers;
import org.tensorflow.proto.NodeDef;
import org.tensorflow.types.TString;

/**
 * Every SavedModel that real Python wrote ({@code make_fixtures.py}) through the contract of the models in
 * {@code ../shared/savedmodels-python}: it loads; the flattened graph answers what TensorFlow's own loader
 * answers for the original signature and what Python answered when it wrote the fixture; the head is found
 * at the layer the fixture names (or refused with the reason); a new head learns with the backbone
 * bit-identical.
 */
class PythonFixtureContractTest {

  /**
   * Keras's own MobileNet top ends in a 1x1 convolution, a Reshape and a Softmax: Graft looks for a dense
   * layer behind the softmax and refuses this head, saying how to cut by hand; cut at the pooled features it
   * trains like the others.
   */
  private static final double TOLERANCE = 1e-5;
  /**
   * Features below this size carry no learnable task for a head at usual learning rates: the random-weight
   * MobileNetV2 fixtures' activations shrink to about 1e-12 over 150 layers. Their head learns the class
   * frequencies only, so for them the test asserts no more than a falling loss.
   */
  private static final double DEAD_FEATURES = 1e-4;

  @RegisterExtension
  static final PythonWorkerExtension PYTHON = new PythonWorkerExtension();

  static Stream<String> fixtures() {
    return PythonFixture.names();
  }

  /**
   * Both graphs are called in the same order (Python's reference input first, then random inputs): a model
   * whose forward pass writes state (Keras 3's random augmentation layers advance a seed with every call)
   * answers alike only call for call.
   */
  @ParameterizedTest(name = "{0}")
  @MethodSource("fixtures")
  void flattenedGraphAnswersWhatTensorFlowAndPythonAnswer(String name, @TempDir Path tmp) {
    PythonFixture fixture = PythonFixture.of(name);
    try (LoadedModel flat = LoadedModel.load(fixture.dir(), LoadedModel.LoadOptions.defaults());
        Tensor reference = referenceInput(fixture); Tensor random = randomInput(fixture, 3, 42)) {
      SignatureInfo sig = flat.signature();
      List<Tensor> calls = List.of(reference, random);
      List<List<float[]>> flattened = outputs(flat.session(), sig, calls);
      double diff = maxAbs(flattened.get(0).get(0), fixture.referenceOutput());
      assertTrue(diff <= TOLERANCE, name + ": the flattened graph differs from Python's reference output by " + diff);
      List<List<float[]>> original = originalOutputs(fixture, sig, calls, tmp);
      for (int call = 0; call < calls.size(); call++) {
        for (int i = 0; i < sig.outputs().size(); i++) {
          diff = maxAbs(flattened.get(call).get(i), original.get(call).get(i));
          assertTrue(diff <= TOLERANCE, name + "/" + sig.outputs().get(i).key() + ", call " + (call + 1)
              + ": the flattened graph differs from the original signature by " + diff);
        }
      }
      List<String> stateful = flat.writtenVariables();
      if (name.equals("preprocessing_layers")) {
        assertTrue(stateful.size() == 2, "RandomFlip and RandomRotation each advance a seed state: " + stateful);
      }
      flat.variables().stream().filter(v -> stateful.contains(v.name()))
          .forEach(v -> assertTrue(!v.trainable(), name + ": state variable " + v + " must not train"));
    }
  }

  @ParameterizedTest(name = "{0}")
  @MethodSource("fixtures")
  void headIsFoundAndANewHeadLearnsWithTheBackboneBitIdentical(String name) {
    PythonFixture fixture = PythonFixture.of(name);
    // Keras's own MobileNet top (a 1x1 convolution, then Reshape and Softmax) is found like a dense head
    try (GraftModel model = Graft.load(fixture.dir())) {
      String kernel = model.cut().oldHeadVariables().stream().filter(v -> v.contains("kernel")).findFirst()
          .orElseThrow(() -> new AssertionError(name + ": no old head kernel in " + model.cut()));
      String layer = VariableInfo.layerOf(kernel);
      assertEquals(fixture.head(), layer.substring(layer.lastIndexOf('/') + 1), name + ": head found at " + kernel);
      assertEquals(fixture.classes(), model.cut().numClasses(), name + ": classes of the old head");
      int classes = fixture.stringInput() ? 2 : 3;
      int n = fixture.large() ? 24 : 128;
      model.withPreprocessing(fixture.preprocessing());
      LabeledData raw = fixture.examples(n, classes, 11);
      FeatureTeacher task = FeatureTeacher.of(model, raw, classes, 5);
      model.replaceHead(HeadSpec.builder().setNumClasses(classes).build());
      List<String> backbone = model.model().variables().stream().map(VariableInfo::name)
          .filter(v -> !model.model().writtenVariables().contains(v)).toList();
      byte[][] before = Tensors.variableBytes(model, backbone);
      // Adam moves each weight by about the learning rate a step; features that differ little between examples
      // need larger weights, so the rate grows as their spread shrinks.
      float lr = (float) Math.min(1, Math.max(0.01, 0.005 / task.spread()));
      TrainResult result = model.train(task.data(), null, TrainConfig.builder().setEpochs(20)
          .optBatchSize(fixture.large() ? 8 : 32).optLearningRate(lr).optSeed(3).build());
      List<EpochMetrics> h = result.history();
      EpochMetrics first = h.get(0);
      EpochMetrics last = h.get(h.size() - 1);
      System.out.printf("%s: features up to %.2e, spread %.2e, loss %.4f -> %.4f, accuracy %.3f -> %.3f%n", name,
          task.featureScale(), task.spread(), first.trainLoss(), last.trainLoss(), first.trainAccuracy(), last.trainAccuracy());
      assertTrue(last.trainLoss() < first.trainLoss(), name + ": the loss must fall: " + first.trainLoss() + " -> "
          + last.trainLoss());
      if (task.spread() > DEAD_FEATURES) {
        assertTrue(last.trainAccuracy() >= 0.75, name + ": a linear head must learn a linear task of its features; "
            + "training accuracy " + first.trainAccuracy() + " -> " + last.trainAccuracy());
      }
      byte[][] after = Tensors.variableBytes(model, backbone);
      for (int i = 0; i < backbone.size(); i++) {
        assertArrayEquals(before[i], after[i], name + ": frozen " + backbone.get(i) + " changed");
      }
    }
  }

  /** The global pooling op that a convolutional head reads. */
  static String pooledFeatures(PythonFixture fixture) {
    try (LoadedModel flat = LoadedModel.load(fixture.dir(), LoadedModel.LoadOptions.defaults())) {
      String found = null;
      for (NodeDef node : flat.flatGraph().getNodeList()) {
        if (node.getOp().equals("Mean") && node.getName().contains("global_average_pooling2d")) {
          found = node.getName();
        }
      }
      assertTrue(found != null, fixture + ": no global pooling op");
      return found;
    }
  }

  private static Tensor referenceInput(PythonFixture fixture) {
    if (fixture.stringInput()) {
      return texts(fixture.referenceTexts());
    }
    return ArrayFiles.floatTensor(fixture.referenceInput(), fixture.referenceInputShape());
  }

  private static Tensor randomInput(PythonFixture fixture, int n, long seed) {
    if (fixture.stringInput()) {
      return texts(TextData.texts(TextData.make(n, seed)));
    }
    return ArrayFiles.floatTensor(fixture.randomRaw(n, seed), fixture.batchShape(n));
  }

  private static TString texts(List<String> texts) {
    return TString.tensorOf(Shape.of(texts.size(), 1), DataBuffers.ofObjects(texts.toArray(new String[0])));
  }

  /**
   * The original signature's outputs for each of {@code calls}, in order: from TensorFlow's own loader (the one
   * TensorFlow Serving uses), or, for {@code tf.saved_model.save} of a Keras 3 model, whose variables that
   * loader leaves unset, from Python's.
   */
  private static List<List<float[]>> originalOutputs(PythonFixture fixture, SignatureInfo sig, List<Tensor> calls,
      Path tmp) {
    boolean cppLoaderRestoresAll = !fixture.api().startsWith("tf.saved_model.save(keras3");
    try (SavedModelBundle bundle = SavedModelBundle.load(fixture.dir().toString(), "serve")) {
      List<List<float[]>> outputs = outputs(bundle.session(), sig, calls);
      assertTrue(cppLoaderRestoresAll, fixture + ": TensorFlow's loader now restores this model; drop the Python path");
      return outputs;
    } catch (TFFailedPreconditionException e) {
      assertTrue(!cppLoaderRestoresAll && e.getMessage().contains("Could not find variable"), e.getMessage());
    }
    List<List<float[]>> outputs = new ArrayList<>();
    for (int call = 0; call < calls.size(); call++) {
      Path dir = tmp.resolve("call" + call);
      Map<String, Object> request = new LinkedHashMap<>();
      request.put("op", "signature");
      request.put("model", fixture.dir().toString());
      request.put("inputs", Map.of(sig.inputs().get(0).key(), ArrayFiles.tensor(dir.resolve("x.bin"), calls.get(call))));
      request.put("out", dir.toString());
      JsonNode answer = PYTHON.get().call(Duration.ofMinutes(2), request);
      List<float[]> values = new ArrayList<>();
      for (TensorSpec output : sig.outputs()) {
        values.add(ArrayFiles.readFloats(answer.path("outputs").path(output.key())));
      }
      outputs.add(values);
    }
    return outputs;
  }

  /** Every output of the signature for each input, calling the session once per input, in order. */
  private static List<List<float[]>> outputs(Session session, SignatureInfo sig, List<Tensor> calls) {
    List<List<float[]>> outputs = new ArrayList<>();
    for (Tensor x : calls) {
      try (Result result = run(session, sig, x)) {
        List<float[]> values = new ArrayList<>();
        for (int i = 0; i < sig.outputs().size(); i++) {
          values.add(Tensors.floats(result.get(i)));
        }
        outputs.add(values);
      }
    }
    return outputs;
  }

  private static Result run(Session session, SignatureInfo sig, Tensor x) {
    Session.Runner runner = session.runner().feed(sig.inputs().get(0).tensor(), x);
    sig.outputs().forEach(o -> runner.fetch(o.tensor()));
    return runner.run();
  }

  private static double maxAbs(float[] a, float[] b) {
    if (a.length != b.length) {
      return Double.POSITIVE_INFINITY;
    }
    double max = 0;
    for (int i = 0; i < a.length; i++) {
      max = Math.max(max, Math.abs((double) a[i] - b[i]));
    }
    return max;
  }
}
