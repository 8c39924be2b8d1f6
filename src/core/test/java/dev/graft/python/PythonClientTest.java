package dev.graft.python;

import dev.graft.head.CutChoice;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import com.fasterxml.jackson.databind.JsonNode;
import dev.graft.Graft;
import dev.graft.GraftModel;
import dev.graft.data.LabeledData;
import dev.graft.export.ExportOptions;
import dev.graft.head.HeadSpec;
import dev.graft.model.SavedModelDir;
import dev.graft.model.VariableInfo;
import dev.graft.testing.ArrayFiles;
import dev.graft.testing.PythonFixture;
import dev.graft.testing.PythonWorkerExtension;
import dev.graft.testing.Tensors;
import dev.graft.testing.TextData;
import dev.graft.train.FreezePolicy;
import dev.graft.train.TrainConfig;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.TreeSet;
import java.util.stream.Stream;
import org.junit.jupiter.api.extension.RegisterExtension;
import org.junit.jupiter.api.io.TempDir;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.Arguments;
import org.junit.jupiter.params.provider.MethodSource;
import org.tensorflow.Result;
import org.tensorflow.Tensor;
import org.tensorflow.ndarray.Shape;
import org.tensorflow.ndarray.buffer.DataBuffers;
import org.tensorflow.types.TString;

/**
 * Python as the client of every export: for each Python-made fixture and freeze policy, Graft trains and
 * exports, then Python TensorFlow loads the export with {@code tf.saved_model.load(path).signatures["serving_default"]}
 * and with Keras 3's {@code TFSMLayer}, converts it with {@code TFLiteConverter} and runs the TFLite interpreter, all
 * on the inputs Java used, and each answers what Graft's own prediction answered. With {@code --keep-old-head}, the
 * export's {@code original} signature answers what the source model's own signature answers in Python.
 *
 * <p>The four 224x224 models with the most layers (ResNet50V2, EfficientNetB0, MobileNetV2 and the Teachable
 * Machine layout) run {@code head} only, and Keras's own MobileNet top {@code head} and {@code last:2}: the other
 * policies build the same serving graph with other values, {@code GoldenStepTest} checks the full fine-tuning step
 * of MobileNetV2 and EfficientNetB0 against TensorFlow's, and each of these runs costs about a minute on two
 * cores. The pretrained MobileNet with a pooled head runs all three.
 */
class PythonClientTest {

  private static final Set<String> HEAVY = Set.of("resnet50_v2", "efficientnet_b0", "mobilenet_v2", "teachable_machine");
  private static final String CONV_HEAD = "mobilenet_v1_025_keras_top";
  /** The variable of {@code vocab_file_table} that {@code tf.gather} reads straight from its handle. */
  private static final String GATHERED_EMBEDDING = "embedding/embeddings";
  private static final double SERVING_TOLERANCE = 1e-5;
  private static final double TFLITE_TOLERANCE = 1e-4;

  @RegisterExtension
  static final PythonWorkerExtension PYTHON = new PythonWorkerExtension();

  static Stream<Arguments> cases() {
    List<Arguments> cases = new ArrayList<>();
    PythonFixture.names().forEach(name -> {
      cases.add(Arguments.of(name, "head"));
      if (!HEAVY.contains(name)) {
        cases.add(Arguments.of(name, "last:2"));
      }
      if (!HEAVY.contains(name) && !name.equals(CONV_HEAD)) {
        cases.add(Arguments.of(name, "all"));
      }
    });
    return cases.stream();
  }

  @ParameterizedTest(name = "{0} --train {1}")
  @MethodSource("cases")
  void pythonLoadsConvertsAndAgreesWithGraft(String name, String policyText, @TempDir Path tmp) {
    PythonFixture fixture = PythonFixture.of(name);
    FreezePolicy policy = FreezePolicy.parse(policyText);
    CutChoice cut = name.equals(CONV_HEAD) ? CutChoice.op(pooledFeatures(fixture))
        : CutChoice.none();
    boolean keepOldHead = policy.kind() == FreezePolicy.Kind.HEAD;
    int classes = fixture.stringInput() ? 2 : 3;
    try (GraftModel model = Graft.load(fixture.dir(), cut)) {
      if (policy.kind() == FreezePolicy.Kind.LAST && model.backboneLayers().size() < 2) {
        // models whose backbone has one layer with variables: last:2 is refused, last:1 trains that layer
        policy = FreezePolicy.last(1);
      }
      model.withPreprocessing(fixture.preprocessing());
      LabeledData data = fixture.examples(fixture.large() ? 8 : 32, classes, 7);
      model.replaceHead(HeadSpec.builder().setNumClasses(classes).build());
      List<String> variables = model.model().variables().stream().map(VariableInfo::name)
          .filter(v -> !model.model().writtenVariables().contains(v)).toList();
      byte[][] before = Tensors.variableBytes(model, variables);
      model.train(data, null, TrainConfig.builder().setEpochs(1).optBatchSize(fixture.large() ? 4 : 16)
          .optLearningRate(1e-2f).optFreeze(policy).optSeed(5).build());
      assertOnlyThePolicysVariablesChanged(model, policy, variables, before, Tensors.variableBytes(model, variables));

      Path export = model.export(tmp.resolve("export"), ExportOptions.builder().optKeepOldHead(keepOldHead)
          .optInputContract(ExportOptions.InputContract.RAW_PIXELS).build());
      Map<String, Object> request = new LinkedHashMap<>();
      request.put("op", "check_export");
      request.put("export", export.toString());
      request.put("source", fixture.dir().toString());
      request.put("input", Map.of("key", model.model().input().key(), "value", rawInput(fixture, tmp)));
      request.put("expected", Map.of("probabilities", graftPrediction(model, fixture, tmp)));
      boolean stateful = !model.model().writtenVariables().isEmpty();
      if (keepOldHead && !stateful) {
        request.put("original", Map.of("source", fixture.dir().toString(),
            "source_input", scaledInput(model, fixture, tmp),
            "source_output", fixture.json().path("signature_output").asText()));
      }
      JsonNode answer = PYTHON.get().call(Duration.ofMinutes(5), request);
      float[] graft = ArrayFiles.readFloats(tmp.resolve("graft.bin"));
      List<String> names = model.classNames();
      assertClient(name, "tf.saved_model.load", answer.path("saved_model"), SERVING_TOLERANCE, graft, names);
      assertClient(name, "keras.layers.TFSMLayer", answer.path("tfsm_layer"), SERVING_TOLERANCE, graft, names);
      JsonNode tflite = answer.path("tflite");
      if (tflite.path("select_tf_ops").asBoolean()) {
        // TFLite has no builtin for some op of the source model itself (string ops, stateless random ops):
        // the export converts with TensorFlow's own kernels, and needs none the source model does not need
        Set<String> flex = strings(tflite.path("flex_ops"));
        flex.removeAll(strings(tflite.path("source_flex_ops")));
        assertTrue(flex.isEmpty(), name + ": the export needs TensorFlow ops in TFLite that the source does not: "
            + flex + " " + tflite);
      } else {
        assertClient(name, "TFLite", tflite, TFLITE_TOLERANCE, graft, names);
      }
      assertEquals(variableCount(export), answer.path("saved_model").path("variables").asInt(),
          name + ": variables Python's loader sees");
      assertTrue(answer.path("tfsm_layer").path("trainable_weights").asInt() > 0, name + ": " + answer);
      System.out.printf("%s --train %s: saved_model %.1e, TFSMLayer %.1e, TFLite %s (%d bytes)%s%n", name,
          policyText, answer.path("saved_model").path("probabilities_max_abs").asDouble(),
          answer.path("tfsm_layer").path("probabilities_max_abs").asDouble(),
          tflite.path("select_tf_ops").asBoolean() ? "converts with TensorFlow ops " + tflite.path("flex_ops")
              + " as the source does" : String.format("%.1e", tflite.path("probabilities_max_abs").asDouble()),
          tflite.path("bytes").asLong(),
          answer.has("original") ? String.format(", original %.1e", answer.path("original").path("max_abs").asDouble())
              : "");
      if (request.containsKey("original")) {
        double diff = answer.path("original").path("max_abs").asDouble(Double.NaN);
        assertTrue(diff <= SERVING_TOLERANCE, name + ": the export's 'original' signature differs from the source "
            + "model's own by " + diff + " " + answer.path("original"));
      }
    }
  }

  /**
   * One client's answer against Graft's: probabilities within {@code tolerance}, and the same class ids and labels,
   * except where the first two classes are closer than the tolerance (another runtime may order them otherwise).
   */
  private static void assertClient(String name, String client, JsonNode result, double tolerance, float[] graft,
      List<String> classNames) {
    double diff = result.path("probabilities_max_abs").asDouble(Double.NaN);
    assertTrue(diff <= tolerance, name + ": " + client + " answers probabilities " + diff + " away from Graft's "
        + result);
    int k = classNames.size();
    List<Integer> expected = argmax(graft, k);
    List<Integer> ids = new ArrayList<>();
    result.path("class_ids").forEach(c -> ids.add(c.asInt()));
    List<String> labels = new ArrayList<>();
    result.path("labels").forEach(l -> labels.add(l.asText()));
    assertEquals(expected.size(), ids.size(), name + ": " + client + " class_ids " + ids);
    for (int i = 0; i < expected.size(); i++) {
      int id = ids.get(i);
      boolean tie = Math.abs(graft[i * k + expected.get(i)] - graft[i * k + id]) <= tolerance;
      assertTrue(id == expected.get(i) || tie, name + ": " + client + " class_ids " + ids + ", Graft's " + expected);
      assertEquals(classNames.get(id), labels.get(i), name + ": " + client + " labels " + labels);
    }
  }

  private static Set<String> strings(JsonNode array) {
    Set<String> values = new TreeSet<>();
    array.forEach(v -> values.add(v.asText()));
    return values;
  }

  /**
   * The numeric variables of an export's graph: the ones its collections list. A string variable (where a TF2
   * lookup table keeps its vocabulary file's path) is saved and restored, but no {@code tf.Variable} of Python's.
   */
  private static long variableCount(Path export) {
    return SavedModelDir.open(export, "serve").metaGraph().getGraphDef().getNodeList().stream()
        .filter(n -> n.getOp().equals("VarHandleOp"))
        .filter(n -> n.getAttrMap().get("dtype").getType() != org.tensorflow.proto.DataType.DT_STRING).count();
  }

  /** Variables outside the policy's choice stay bit-identical; the head and at least one chosen layer change. */
  private static void assertOnlyThePolicysVariablesChanged(GraftModel model, FreezePolicy policy, List<String> names,
      byte[][] before, byte[][] after) {
    Set<String> chosen = model.variablesTrainedBy(policy);
    Set<String> changed = new TreeSet<>();
    for (int i = 0; i < names.size(); i++) {
      if (!java.util.Arrays.equals(before[i], after[i])) {
        changed.add(names.get(i));
      }
    }
    Set<String> outside = new TreeSet<>(changed);
    outside.removeAll(chosen);
    assertTrue(outside.isEmpty(), "variables outside --train " + policy + " changed: " + outside);
    if (!chosen.isEmpty()) {
      assertTrue(!changed.isEmpty(), "no variable chosen by --train " + policy + " changed");
    }
    if (chosen.contains(GATHERED_EMBEDDING)) {
      assertTrue(changed.contains(GATHERED_EMBEDDING), "the embedding read by ResourceGather did not train");
    }
  }

  /** Java's inputs: random raw values (texts for string models), written for Python. */
  private static Map<String, Object> rawInput(PythonFixture fixture, Path tmp) {
    if (fixture.stringInput()) {
      List<String> texts = TextData.texts(TextData.make(4, 99));
      return ArrayFiles.strings(texts, texts.size(), 1);
    }
    return ArrayFiles.floats(tmp.resolve("raw.bin"), fixture.randomRaw(4, 99), fixture.batchShape(4));
  }

  /** The same inputs as the source model takes them: scaled by the preprocessing Graft bakes into the export. */
  private static Map<String, Object> scaledInput(GraftModel model, PythonFixture fixture, Path tmp) {
    if (fixture.stringInput()) {
      return rawInput(fixture, tmp);
    }
    return ArrayFiles.floats(tmp.resolve("scaled.bin"), scaled(model, fixture), fixture.batchShape(4));
  }

  private static float[] scaled(GraftModel model, PythonFixture fixture) {
    float[] raw = fixture.randomRaw(4, 99);
    int channels = (int) fixture.inputShape()[fixture.inputShape().length - 1];
    float[] scale = model.preprocessing().scale(channels);
    float[] offset = model.preprocessing().offset(channels);
    float[] out = new float[raw.length];
    for (int i = 0; i < raw.length; i++) {
      out[i] = raw[i] * scale[i % channels] + offset[i % channels];
    }
    return out;
  }

  /** Graft's own prediction: the trained model's probabilities in its session, after the export was written. */
  private static Map<String, Object> graftPrediction(GraftModel model, PythonFixture fixture, Path tmp) {
    try (Tensor x = fixture.stringInput() ? texts(TextData.texts(TextData.make(4, 99)))
            : ArrayFiles.floatTensor(scaled(model, fixture), fixture.batchShape(4));
        Result result = model.model().session().runner().feed(model.model().input().tensor(), x)
            .fetch(model.head().probabilities()).run()) {
      return ArrayFiles.tensor(tmp.resolve("graft.bin"), result.get(0));
    }
  }

  private static TString texts(List<String> texts) {
    return TString.tensorOf(Shape.of(texts.size(), 1), DataBuffers.ofObjects(texts.toArray(new String[0])));
  }

  private static List<Integer> argmax(float[] p, int k) {
    List<Integer> ids = new ArrayList<>();
    for (int i = 0; i < p.length / k; i++) {
      int best = 0;
      for (int c = 1; c < k; c++) {
        if (p[i * k + c] > p[i * k + best]) {
          best = c;
        }
      }
      ids.add(best);
    }
    return ids;
  }

  private static String pooledFeatures(PythonFixture fixture) {
    return PythonFixtureContractTest.pooledFeatures(fixture);
  }
}
