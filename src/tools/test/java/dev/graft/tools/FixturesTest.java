package dev.graft.tools;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;
import static org.junit.jupiter.api.Assumptions.assumeTrue;

import com.google.protobuf.InvalidProtocolBufferException;
import dev.graft.model.LoadedModel;
import dev.graft.model.SavedModelDir;
import dev.graft.model.TensorSpec;
import dev.graft.testing.Tensors;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.Random;
import java.util.Set;
import java.util.TreeSet;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.ValueSource;
import org.tensorflow.Result;
import org.tensorflow.SavedModelBundle;
import org.tensorflow.ndarray.Shape;
import org.tensorflow.ndarray.buffer.DataBuffers;
import org.tensorflow.proto.CollectionDef;
import org.tensorflow.proto.FunctionDef;
import org.tensorflow.proto.GraphDef;
import org.tensorflow.proto.MetaGraphDef;
import org.tensorflow.proto.NodeDef;
import org.tensorflow.proto.SignatureDef;
import org.tensorflow.proto.VariableDef;
import org.tensorflow.types.TFloat32;

/** The committed fixture models in {@code savedmodels/} load, flatten faithfully, keep their layout and classify. */
class FixturesTest {

  static final Path FIXTURES = Path.of("savedmodels");
  static final Path DATA = Path.of(MakeFixtures.DEFAULT_DATA);

  private static Path fixture(String name) {
    Path dir = FIXTURES.resolve(name);
    assertTrue(Files.isRegularFile(dir.resolve("saved_model.pb")), dir + " is missing: run dev.graft.tools.MakeFixtures "
        + "as savedmodels/README.md says");
    return dir;
  }

  @ParameterizedTest
  @ValueSource(strings = {"fashion_cnn", "fashion_mlp_tf1"})
  void flattenedGraphComputesWhatTensorFlowLoads(String name) {
    Path dir = fixture(name);
    float[] pixels = new float[8 * FashionSubset.PIXELS];
    Random random = new Random(42);
    for (int i = 0; i < pixels.length; i++) {
      pixels[i] = random.nextFloat();
    }
    try (SavedModelBundle bundle = SavedModelBundle.load(dir.toString(), "serve");
        LoadedModel flat = LoadedModel.load(dir, LoadedModel.LoadOptions.defaults());
        TFloat32 images = TFloat32.tensorOf(Shape.of(8, 28, 28, 1), DataBuffers.of(pixels, true, false))) {
      TensorSpec input = flat.input();
      TensorSpec output = flat.signature().outputs().get(0);
      assertEquals("[-1,28,28,1]", input.shapeString());
      assertEquals("[-1,5]", output.shapeString());
      try (Result expected = bundle.session().runner().feed(input.tensor(), images).fetch(output.tensor()).run();
          Result actual = flat.session().runner().feed(input.tensor(), images).fetch(output.tensor()).run()) {
        double diff = Tensors.maxAbsDiff(expected.get(0), actual.get(0));
        assertTrue(diff <= 1e-5, name + ": flattened output differs by " + diff);
      }
    }
  }

  @Test
  void cnnHasTheLayoutOfAKerasExport() {
    MetaGraphDef meta = SavedModelDir.open(fixture("fashion_cnn"), "serve").metaGraph();
    GraphDef graph = meta.getGraphDef();
    Map<String, NodeDef> nodes = new HashMap<>();
    graph.getNodeList().forEach(n -> nodes.put(n.getName(), n));

    List<String> variables = new ArrayList<>();
    for (NodeDef node : graph.getNodeList()) {
      if (node.getOp().equals("VarHandleOp")) {
        variables.add(node.getName());
        assertEquals(node.getName(), node.getAttrMap().get("shared_name").getS().toStringUtf8());
      }
    }
    List<String> expected = FixtureModel.fashionCnn().variables().stream().map(VariableSpec::name).toList();
    assertEquals(expected, variables);
    assertTrue(variables.containsAll(List.of("conv2d/kernel", "batch_normalization/moving_variance",
        "conv2d_1/bias", "dense/kernel", "dense_1/bias")));
    assertEquals("Placeholder", nodes.get("serving_default_input_1").getOp());
    NodeDef call = nodes.get("StatefulPartitionedCall");
    assertEquals("StatefulPartitionedCall", call.getOp());
    List<String> callInputs = new ArrayList<>(List.of("serving_default_input_1"));
    callInputs.addAll(variables);
    assertEquals(callInputs, call.getInputList());

    SignatureDef signature = meta.getSignatureDefMap().get("serving_default");
    assertEquals("tensorflow/serving/predict", signature.getMethodName());
    assertEquals("serving_default_input_1:0", signature.getInputsMap().get("input_1").getName());
    assertEquals("StatefulPartitionedCall:0", signature.getOutputsMap().get("dense_1").getName());

    Map<String, FunctionDef> library = new HashMap<>();
    graph.getLibrary().getFunctionList().forEach(f -> library.put(f.getSignature().getName(), f));
    String top = call.getAttrMap().get("f").getFunc().getName();
    assertTrue(callDepth(library, top) >= 3, "calls should nest three deep (wrapper, model, layer)");
    int batchNorms = 0;
    for (FunctionDef function : library.values()) {
      for (NodeDef node : function.getNodeDefList()) {
        if (node.getOp().equals("FusedBatchNormV3")) {
          batchNorms++;
          assertEquals(false, node.getAttrMap().get("is_training").getB(), function.getSignature().getName());
        }
      }
    }
    assertEquals(2, batchNorms);
  }

  /** How many function levels a call to {@code function} goes down, itself included. */
  private static int callDepth(Map<String, FunctionDef> library, String function) {
    int deepest = 0;
    for (NodeDef node : library.get(function).getNodeDefList()) {
      if (node.getOp().endsWith("PartitionedCall")) {
        deepest = Math.max(deepest, callDepth(library, node.getAttrMap().get("f").getFunc().getName()));
      }
    }
    return deepest + 1;
  }

  @Test
  void mlpHasTheLayoutOfATf1Graph() throws InvalidProtocolBufferException {
    MetaGraphDef meta = SavedModelDir.open(fixture("fashion_mlp_tf1"), "serve").metaGraph();
    GraphDef graph = meta.getGraphDef();
    Set<String> refVariables = new TreeSet<>();
    for (NodeDef node : graph.getNodeList()) {
      assertTrue(!node.getOp().equals("VarHandleOp") && !node.getOp().endsWith("PartitionedCall"),
          "TF1 graph holds " + node.getOp() + " '" + node.getName() + "'");
      if (node.getOp().equals("VariableV2")) {
        refVariables.add(node.getName());
      }
    }
    assertEquals(Set.of("dense/bias", "dense/kernel", "dense_1/bias", "dense_1/kernel"), refVariables);
    assertEquals(0, graph.getLibrary().getFunctionCount());
    assertEquals("save/restore_all", meta.getSaverDef().getRestoreOpName());
    for (String collection : List.of("variables", "trainable_variables")) {
      CollectionDef def = meta.getCollectionDefMap().get(collection);
      Set<String> names = new TreeSet<>();
      for (var bytes : def.getBytesList().getValueList()) {
        VariableDef variable = VariableDef.parseFrom(bytes);
        names.add(variable.getVariableName());
        assertEquals(variable.getVariableName().replace(":0", "/read:0"), variable.getSnapshotName());
      }
      assertEquals(Set.of("dense/bias:0", "dense/kernel:0", "dense_1/bias:0", "dense_1/kernel:0"), names, collection);
    }
    SignatureDef signature = meta.getSignatureDefMap().get("serving_default");
    assertEquals("input:0", signature.getInputsMap().get("input").getName());
    assertEquals("dense_1/BiasAdd:0", signature.getOutputsMap().get("logits").getName());
  }

  @ParameterizedTest
  @ValueSource(strings = {"fashion_cnn", "fashion_mlp_tf1"})
  void classifiesTheFirstThousandTestImages(String name) throws IOException {
    Path dir = fixture(name);
    assumeTrue(Files.isDirectory(DATA), "Fashion-MNIST is not installed at " + DATA);
    FashionSubset test = FashionSubset.load(DATA, "t10k", FixtureModel.NUM_CLASSES).head(1000);
    try (SavedModelBundle bundle = SavedModelBundle.load(dir.toString(), "serve")) {
      SignatureDef signature = bundle.metaGraphDef().getSignatureDefMap().get("serving_default");
      float[] scores = FixtureCheck.scores(bundle.session(), signature.getInputsMap().values().iterator().next().getName(),
          signature.getOutputsMap().values().iterator().next().getName(), test);
      double accuracy = Predictions.correct(scores, test.labels(), 0, test.count()) / (double) test.count();
      double required = name.equals("fashion_cnn") ? 0.85 : 0.80;
      assertTrue(accuracy >= required, name + " accuracy " + accuracy + " on 1000 test images, below " + required);
    }
  }
}
