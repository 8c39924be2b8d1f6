package dev.graft.tools;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.graft.graph.internal.FunctionInliner;
import dev.graft.graph.VariableIo;
import dev.graft.testing.Tensors;
import java.util.ArrayList;
import java.util.List;
import java.util.Random;
import org.junit.jupiter.api.Test;
import org.tensorflow.Graph;
import org.tensorflow.Operand;
import org.tensorflow.Result;
import org.tensorflow.Session;
import org.tensorflow.Tensor;
import org.tensorflow.ndarray.Shape;
import org.tensorflow.ndarray.buffer.DataBuffers;
import org.tensorflow.op.Ops;
import org.tensorflow.op.core.Placeholder;
import org.tensorflow.proto.DataType;
import org.tensorflow.proto.FunctionDef;
import org.tensorflow.proto.FunctionDefLibrary;
import org.tensorflow.proto.GraphDef;
import org.tensorflow.proto.NodeDef;
import org.tensorflow.proto.OpDef;
import org.tensorflow.types.TFloat32;
import org.tensorflow.types.TInt32;

/** Functions written from a flat graph compute what the flat graph computes, called or inlined. */
class FunctionWriterTest {

  private static final float[] W = {0.5f, -1f, 2f, 1f, 0.25f, -0.5f, -2f, 1.5f, 0.75f, 1f, -1f, 0.5f};
  private static final float[] B = {0.1f, -0.2f, 0.3f};

  /** The flat layer: relu(x @ w + b), its top-2 indices and its third column. */
  private static final class FlatLayer {
    String relu;
    String indices;
    String third;

    FlatLayer(Graph graph) {
      Ops tf = Ops.create(graph);
      Placeholder<TFloat32> x = tf.withName("x").placeholder(TFloat32.class, Placeholder.shape(Shape.of(-1, 4)));
      Operand<?> w = variable(tf, "layer/w", Shape.of(4, 3));
      Operand<?> b = variable(tf, "layer/b", Shape.of(3));
      Ops layer = tf.withSubScope("layer");
      var read = layer.withName("ReadVariableOp").readVariableOp(w, TFloat32.class);
      var matMul = layer.withName("MatMul").linalg.matMul(x, read);
      var biasRead = layer.withName("ReadVariableOp_1").readVariableOp(b, TFloat32.class);
      var relu = layer.withName("Relu").nn.relu(layer.withName("BiasAdd").nn.biasAdd(matMul, biasRead));
      var topK = layer.withName("TopKV2").nn.topK(relu, tf.constant(2), TInt32.class);
      var unstack = layer.withName("Unstack").unstack(relu, 3L, org.tensorflow.op.core.Unstack.axis(1L));
      this.relu = relu.op().name() + ":0";
      this.indices = topK.op().name() + ":1";
      this.third = unstack.op().name() + ":2";
    }
  }

  private static Operand<?> variable(Ops tf, String name, Shape shape) {
    return tf.scope().env().opBuilder("VarHandleOp", name, tf.scope())
        .setAttr("dtype", DataType.DT_FLOAT).setAttr("shape", shape).setAttr("shared_name", name)
        .build().output(0);
  }

  private static FunctionDef layerFunction(Graph graph, FlatLayer layer) {
    return FunctionWriter.from(graph)
        .input("inputs", "x:0")
        .input("matmul_readvariableop_resource", "layer/w")
        .input("biasadd_readvariableop_resource", "layer/b")
        .output("identity", layer.relu)
        .output("identity_1", layer.indices)
        .output("identity_2", layer.third)
        .stripPrefix("layer/")
        .write("__inference_layer_call_11");
  }

  @Test
  void signatureHasResourceArgumentsAndNamedOutputReferences() {
    try (Graph graph = new Graph()) {
      FunctionDef function = layerFunction(graph, new FlatLayer(graph));
      OpDef signature = function.getSignature();
      assertEquals(List.of("inputs", "matmul_readvariableop_resource", "biasadd_readvariableop_resource"),
          signature.getInputArgList().stream().map(OpDef.ArgDef::getName).toList());
      OpDef.ArgDef kernel = signature.getInputArg(1);
      assertEquals(DataType.DT_RESOURCE, kernel.getType());
      assertEquals(DataType.DT_FLOAT, kernel.getHandleData(0).getDtype());
      assertEquals(2, kernel.getHandleData(0).getShape().getDimCount());
      assertEquals(DataType.DT_INT32, signature.getOutputArg(1).getType());
      assertTrue(signature.getIsStateful());
      assertEquals(List.of("ReadVariableOp", "ReadVariableOp_1"), signature.getControlOutputList());

      NodeDef matMul = node(function, "MatMul");
      assertEquals(List.of("inputs", "ReadVariableOp:value:0"), matMul.getInputList());
      assertEquals(List.of("matmul_readvariableop_resource"), node(function, "ReadVariableOp").getInputList());
      assertEquals(List.of("Unstack:output:2", "^NoOp"), node(function, "Identity_2").getInputList());
      assertEquals(List.of("TopKV2:indices:0", "^NoOp"), node(function, "Identity_1").getInputList());
      assertEquals("Identity:output:0", function.getRetMap().get("identity"));
    }
  }

  @Test
  void calledAndInlinedFunctionComputesTheFlatGraph() {
    try (Graph flat = new Graph()) {
      FlatLayer layer = new FlatLayer(flat);
      FunctionDef function = layerFunction(flat, layer);
      GraphDef top = topGraph(flat.toGraphDef(), List.of(function), function);
      assertSameResults(flat, List.of(layer.relu, layer.indices, layer.third), top,
          List.of("call:0", "call:1", "call:2"));
    }
  }

  @Test
  void nestedCallInlinesToTheFlatGraph() {
    try (Graph flat = new Graph()) {
      FlatLayer layer = new FlatLayer(flat);
      Ops tf = Ops.create(flat);
      @SuppressWarnings("unchecked")
      Operand<TFloat32> relu = (Operand<TFloat32>) flat.outputOrThrow(layer.relu);
      String probs = tf.withName("probs").nn.softmax(relu).op().name() + ":0";
      FunctionDef inner = layerFunction(flat, layer);

      FunctionDef outer;
      try (Graph model = new Graph()) {
        GraphDef.Builder def = GraphDef.newBuilder()
            .setLibrary(FunctionDefLibrary.newBuilder().addFunction(inner));
        def.addNode(node(flat.toGraphDef(), "x").toBuilder().setName("inputs"));
        def.addNode(node(flat.toGraphDef(), "layer/w").toBuilder().setName("layer_w"));
        def.addNode(node(flat.toGraphDef(), "layer/b").toBuilder().setName("layer_b"));
        def.addNode(FunctionWriter.callNode("layer/StatefulPartitionedCall", inner,
            List.of("inputs", "layer_w", "layer_b")));
        model.importGraphDef(def.build());
        Ops m = Ops.create(model);
        @SuppressWarnings("unchecked")
        Operand<TFloat32> called = (Operand<TFloat32>) model.outputOrThrow("layer/StatefulPartitionedCall:0");
        m.withName("Softmax").nn.softmax(called);
        outer = FunctionWriter.from(model)
            .input("inputs", "inputs").input("layer_1", "layer_w").input("layer_2", "layer_b")
            .output("identity", "Softmax:0").output("identity_1", "layer/StatefulPartitionedCall:1")
            .write("__inference_model_call_22");
      }
      assertEquals(List.of("layer/StatefulPartitionedCall:output:0"), node(outer, "Softmax").getInputList());
      assertEquals("__inference_layer_call_11",
          node(outer, "layer/StatefulPartitionedCall").getAttrMap().get("f").getFunc().getName());
      assertTrue(outer.getSignature().getIsStateful());

      GraphDef top = topGraph(flat.toGraphDef(), List.of(inner, outer), outer);
      assertSameResults(flat, List.of(probs, layer.indices), top, List.of("call:0", "call:1"));
    }
  }

  @Test
  void refusesAVariableThatIsNotAnInput() {
    try (Graph graph = new Graph()) {
      FlatLayer layer = new FlatLayer(graph);
      FunctionWriter writer = FunctionWriter.from(graph).input("inputs", "x").input("w", "layer/w")
          .output("identity", layer.relu);
      var e = assertThrows(IllegalArgumentException.class, () -> writer.write("f"));
      assertEquals("Function 'f' needs 'layer/b:0' of node 'layer/b' (VarHandleOp), which is not among its inputs "
          + "[x:0, layer/w:0]; declare it with input(name, \"layer/b:0\")", e.getMessage());
    }
  }

  @Test
  void refusesInvalidArgumentNames() {
    try (Graph graph = new Graph()) {
      var e = assertThrows(IllegalArgumentException.class, () -> FunctionWriter.from(graph).input("Inputs", "x"));
      assertEquals("Argument name 'Inputs' is not valid: function arguments must match [a-z][a-z0-9_]*", e.getMessage());
    }
  }

  /** A top-level graph with the flat graph's x and variables, calling {@code called} as node "call". */
  private static GraphDef topGraph(GraphDef flat, List<FunctionDef> library, FunctionDef called) {
    return GraphDef.newBuilder()
        .setLibrary(FunctionDefLibrary.newBuilder().addAllFunction(library))
        .addNode(node(flat, "x")).addNode(node(flat, "layer/w")).addNode(node(flat, "layer/b"))
        .addNode(FunctionWriter.callNode("call", called, List.of("x", "layer/w", "layer/b")))
        .build();
  }

  private static void assertSameResults(Graph flat, List<String> flatOutputs, GraphDef top, List<String> topOutputs) {
    GraphDef inlined = FunctionInliner.flatten(top, List.of("call"));
    assertEquals(0, inlined.getLibrary().getFunctionCount(), "no call should remain after inlining");
    float[] input = new float[5 * 4];
    Random random = new Random(7);
    for (int i = 0; i < input.length; i++) {
      input[i] = random.nextFloat() * 2 - 1;
    }
    List<Tensor> expected = run(flat, flatOutputs, input);
    for (GraphDef candidate : List.of(top, inlined)) {
      try (Graph graph = new Graph()) {
        graph.importGraphDef(candidate);
        List<Tensor> actual = run(graph, topOutputs, input);
        for (int i = 0; i < expected.size(); i++) {
          assertEquals(0.0, Tensors.maxAbsDiff(expected.get(i), actual.get(i)), 1e-6, topOutputs.get(i));
        }
        actual.forEach(Tensor::close);
      }
    }
    expected.forEach(Tensor::close);
  }

  private static List<Tensor> run(Graph graph, List<String> outputs, float[] input) {
    try (Session session = new Session(graph);
        TFloat32 x = TFloat32.tensorOf(Shape.of(5, 4), DataBuffers.of(input, true, false));
        TFloat32 w = TFloat32.tensorOf(Shape.of(4, 3), DataBuffers.of(W, true, false));
        TFloat32 b = TFloat32.tensorOf(Shape.of(3), DataBuffers.of(B, true, false))) {
      new VariableIo(graph, "test_io").assign(session, List.of("layer/w", "layer/b"), i -> i == 0 ? w : b);
      Session.Runner runner = session.runner().feed("x:0", x);
      outputs.forEach(runner::fetch);
      List<Tensor> values = new ArrayList<>();
      try (Result result = runner.run()) {
        for (int i = 0; i < outputs.size(); i++) {
          values.add(copy(result.get(i)));
        }
      }
      return values;
    }
  }

  private static Tensor copy(Tensor t) {
    if (t.dataType() == DataType.DT_FLOAT) {
      return TFloat32.tensorOf(t.shape(), DataBuffers.of(Tensors.floats(t), true, false));
    }
    int[] values = new int[(int) t.shape().size()];
    t.asRawTensor().data().asInts().read(values);
    return TInt32.tensorOf(t.shape(), DataBuffers.of(values, true, false));
  }

  private static NodeDef node(FunctionDef function, String name) {
    return function.getNodeDefList().stream().filter(n -> n.getName().equals(name)).findFirst()
        .orElseThrow(() -> new AssertionError("no node " + name + " in " + function.getSignature().getName()));
  }

  private static NodeDef node(GraphDef graph, String name) {
    return graph.getNodeList().stream().filter(n -> n.getName().equals(name)).findFirst()
        .orElseThrow(() -> new AssertionError("no node " + name));
  }
}
