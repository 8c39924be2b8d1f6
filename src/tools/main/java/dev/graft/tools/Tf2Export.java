package dev.graft.tools;

import com.google.protobuf.ByteString;
import dev.graft.export.SavedModelWriter;
import dev.graft.graph.VariableIo;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import org.tensorflow.Graph;
import org.tensorflow.Operand;
import org.tensorflow.Session;
import org.tensorflow.Tensor;
import org.tensorflow.ndarray.Shape;
import org.tensorflow.op.Ops;
import org.tensorflow.op.core.Placeholder;
import org.tensorflow.proto.AttrValue;
import org.tensorflow.proto.DataType;
import org.tensorflow.proto.FunctionDef;
import org.tensorflow.proto.FunctionDefLibrary;
import org.tensorflow.proto.GraphDef;
import org.tensorflow.proto.NodeDef;
import org.tensorflow.proto.SignatureDef;
import org.tensorflow.proto.TensorShapeProto;
import org.tensorflow.types.TFloat32;

/**
 * Writes a trained {@link FixtureModel} in the layout Python's {@code tf.saved_model.save} gives a
 * Keras model: the top-level graph holds one {@code VarHandleOp} per variable, the signature's
 * {@code Placeholder} and a {@code StatefulPartitionedCall}; the forward pass lives in the
 * function library, nested three deep (signature wrapper, model, one function per layer).
 *
 * <p>Batch normalization runs in inference form there ({@code FusedBatchNormV3},
 * {@code is_training=false}, moving statistics), and the last layer's softmax is part of the model.
 */
final class Tf2Export {

  /** Signature input key and the name of its placeholder. */
  static final String INPUT_KEY = "input_1";
  static final String INPUT_NODE = "serving_default_" + INPUT_KEY;
  /** Where the trained values are assigned from; these helper nodes are left out of the saved graph. */
  private static final String ASSIGN_SCOPE = "fixture_weights";
  private static final int FIRST_FUNCTION_ID = 1001;

  private final FixtureModel model;
  private final List<FunctionDef> library = new ArrayList<>();
  private int nextId = FIRST_FUNCTION_ID;

  private Tf2Export(FixtureModel model) {
    this.model = model;
  }

  /** Writes the model with {@code weights} to {@code target}, which must not exist. */
  static void write(FixtureModel model, List<Weight> weights, Path target) {
    new Tf2Export(model).writeTo(weights, target);
  }

  /** The signature's output key: the name of the last layer, as Keras names it. */
  static String outputKey(FixtureModel model) {
    return model.layers().get(model.layers().size() - 1).name();
  }

  private void writeTo(List<Weight> weights, Path target) {
    List<FunctionDef> layers = layerFunctions();
    FunctionDef modelFunction = modelFunction(layers);
    FunctionDef wrapper = signatureWrapper(modelFunction);
    List<String> variables = model.variables().stream().map(VariableSpec::name).toList();
    GraphDef.Builder top = GraphDef.newBuilder().setLibrary(FunctionDefLibrary.newBuilder().addAllFunction(library));
    for (VariableSpec spec : model.variables()) {
      top.addNode(varHandle(spec.name(), spec, true));
    }
    top.addNode(placeholder(INPUT_NODE));
    List<String> callInputs = new ArrayList<>(List.of(INPUT_NODE));
    callInputs.addAll(variables);
    top.addNode(FunctionWriter.callNode("StatefulPartitionedCall", wrapper, callInputs));

    try (Graph graph = new Graph(); Session session = new Session(graph)) {
      graph.importGraphDef(top.build());
      List<Tensor> values = new ArrayList<>();
      try {
        weights.forEach(w -> values.add(w.tensor()));
        new VariableIo(graph, ASSIGN_SCOPE).assign(session, variables, values::get);
      } finally {
        values.forEach(Tensor::close);
      }
      SavedModelWriter.of(graph, session).excludeScope(ASSIGN_SCOPE).signature("serving_default", signature())
          .write(target);
    }
  }

  private SignatureDef signature() {
    return SignatureDef.newBuilder().setMethodName("tensorflow/serving/predict")
        .putInputs(INPUT_KEY, SavedModelWriter.tensorInfo(INPUT_NODE + ":0", DataType.DT_FLOAT, -1, 28, 28, 1))
        .putOutputs(outputKey(model), SavedModelWriter.tensorInfo("StatefulPartitionedCall:0", DataType.DT_FLOAT,
            -1, model.numClasses()))
        .build();
  }

  /** One function per layer, written from a flat inference graph whose ops are named as in Keras. */
  private List<FunctionDef> layerFunctions() {
    List<FunctionDef> functions = new ArrayList<>();
    try (Graph graph = new Graph()) {
      Map<String, Operand<?>> handles = new HashMap<>();
      for (VariableSpec spec : model.variables()) {
        handles.put(spec.name(), FixtureTrainer.variable(graph, spec.name(), spec.tfShape()));
      }
      Placeholder<TFloat32> input = Ops.create(graph).withName("inputs")
          .placeholder(TFloat32.class, Placeholder.shape(Shape.of(-1, 28, 28, 1)));
      List<LayerContext.ReadRecord> reads = new ArrayList<>();
      List<Operand<TFloat32>> outputs = model.forward(graph, "", input,
          LayerContext.resourceReads(graph, handles::get, reads), false, List.of());
      Operand<TFloat32> previous = input;
      for (int i = 0; i < model.layers().size(); i++) {
        Layer layer = model.layers().get(i);
        String prefix = layer.name() + "/";
        FunctionWriter writer = FunctionWriter.from(graph).stripPrefix(prefix).input("inputs", tensorName(previous));
        for (VariableSpec variable : layer.variables()) {
          LayerContext.ReadRecord read = reads.stream().filter(r -> r.variable().equals(variable.name()))
              .findFirst().orElseThrow();
          String argName = read.opName().substring(prefix.length()).toLowerCase().replace('/', '_') + "_resource";
          writer.input(argName, variable.name());
        }
        FunctionDef function = writer.output("identity", tensorName(outputs.get(i)))
            .write(functionName(layer.name() + "_layer_call_and_return_conditional_losses"));
        functions.add(function);
        previous = outputs.get(i);
      }
    }
    library.addAll(functions);
    return functions;
  }

  /** The model function: calls each layer's function in turn, passing the layer's variables. */
  private FunctionDef modelFunction(List<FunctionDef> layers) {
    GraphDef.Builder def = GraphDef.newBuilder().setLibrary(FunctionDefLibrary.newBuilder().addAllFunction(library));
    def.addNode(placeholder("inputs"));
    for (VariableSpec spec : model.variables()) {
      def.addNode(varHandle(argName(spec), spec, false));
    }
    String previous = "inputs";
    for (int i = 0; i < layers.size(); i++) {
      Layer layer = model.layers().get(i);
      FunctionDef function = layers.get(i);
      String call = layer.name() + (function.getSignature().getIsStateful() ? "/StatefulPartitionedCall" : "/PartitionedCall");
      List<String> inputs = new ArrayList<>(List.of(previous));
      layer.variables().forEach(v -> inputs.add(argName(v)));
      def.addNode(FunctionWriter.callNode(call, function, inputs));
      previous = call + ":0";
    }
    try (Graph graph = new Graph()) {
      graph.importGraphDef(def.build());
      FunctionWriter writer = FunctionWriter.from(graph).input("inputs", "inputs");
      model.variables().forEach(v -> writer.input(argName(v), argName(v)));
      FunctionDef function = writer.output("identity", previous)
          .write(functionName("model_layer_call_and_return_conditional_losses"));
      library.add(function);
      return function;
    }
  }

  /** The function the signature calls: passes its input and every variable on to the model. */
  private FunctionDef signatureWrapper(FunctionDef modelFunction) {
    GraphDef.Builder def = GraphDef.newBuilder().setLibrary(FunctionDefLibrary.newBuilder().addAllFunction(library));
    def.addNode(placeholder(INPUT_KEY));
    List<String> inputs = new ArrayList<>(List.of(INPUT_KEY));
    List<VariableSpec> variables = model.variables();
    for (int i = 0; i < variables.size(); i++) {
      String name = i == 0 ? "unknown" : "unknown_" + (i - 1);
      def.addNode(varHandle(name, variables.get(i), false));
      inputs.add(name);
    }
    def.addNode(FunctionWriter.callNode("StatefulPartitionedCall", modelFunction, inputs));
    try (Graph graph = new Graph()) {
      graph.importGraphDef(def.build());
      FunctionWriter writer = FunctionWriter.from(graph);
      inputs.forEach(name -> writer.input(name, name));
      FunctionDef function = writer.output("identity", "StatefulPartitionedCall:0")
          .write(functionName("signature_wrapper"));
      library.add(function);
      return function;
    }
  }

  private String functionName(String base) {
    return "__inference_" + base + "_" + nextId++;
  }

  /** The model function's argument for a variable: {@code conv2d/kernel} becomes {@code conv2d_kernel}. */
  private static String argName(VariableSpec spec) {
    return spec.name().replace('/', '_');
  }

  private static String tensorName(Operand<?> operand) {
    return operand.op().name() + ":" + operand.asOutput().index();
  }

  private static NodeDef placeholder(String name) {
    TensorShapeProto.Builder shape = TensorShapeProto.newBuilder();
    for (long d : new long[] {-1, 28, 28, 1}) {
      shape.addDim(TensorShapeProto.Dim.newBuilder().setSize(d));
    }
    return NodeDef.newBuilder().setName(name).setOp("Placeholder")
        .putAttr("dtype", AttrValue.newBuilder().setType(DataType.DT_FLOAT).build())
        .putAttr("shape", AttrValue.newBuilder().setShape(shape).build()).build();
  }

  /** A {@code VarHandleOp}; a real variable's shared name is its node name, as Keras exports it. */
  private static NodeDef varHandle(String name, VariableSpec spec, boolean shared) {
    TensorShapeProto.Builder shape = TensorShapeProto.newBuilder();
    for (long d : spec.shape()) {
      shape.addDim(TensorShapeProto.Dim.newBuilder().setSize(d));
    }
    return NodeDef.newBuilder().setName(name).setOp("VarHandleOp")
        .putAttr("dtype", AttrValue.newBuilder().setType(DataType.DT_FLOAT).build())
        .putAttr("shape", AttrValue.newBuilder().setShape(shape).build())
        .putAttr("container", AttrValue.newBuilder().setS(ByteString.EMPTY).build())
        .putAttr("shared_name", AttrValue.newBuilder()
            .setS(ByteString.copyFromUtf8(shared ? name : "")).build())
        .build();
  }
}
