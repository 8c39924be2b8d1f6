package dev.graft.model;

import dev.graft.graph.TensorRef;
import com.google.protobuf.InvalidProtocolBufferException;
import dev.graft.error.GraftException;
import dev.graft.graph.GraphIndex;
import dev.graft.graph.VariableIo;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import org.tensorflow.Graph;
import org.tensorflow.GraphOperation;
import org.tensorflow.Result;
import org.tensorflow.Session;
import org.tensorflow.proto.DataType;
import org.tensorflow.proto.MetaGraphDef;
import org.tensorflow.proto.NodeDef;
import org.tensorflow.proto.SavedObjectGraphOuterClass.SavedConcreteFunction;
import org.tensorflow.proto.TrackableObjectGraphOuterClass.TrackableObjectGraph;
import org.tensorflow.proto.TrackableObjectGraphOuterClass.TrackableObjectGraph.TrackableObject.SerializedTensor;
import org.tensorflow.types.TString;

/**
 * Restores the variables that a TF2 SavedModel's functions capture when TensorFlow's SavedModel loader
 * left them without a value, pairing them with checkpoint entries through the object graph.
 *
 * <p>{@code tf.saved_model.save} of a Keras 3 model writes a graph whose restore op fills copies of the
 * variables ({@code Variable}, {@code Variable_1}...) while the serving function reads the originals:
 * the C++ loader (TensorFlow Serving's, and TF Java's) then leaves every variable the signature reads
 * unset. Python's loader pairs variables by the object graph instead, and so does this class: a
 * top-level call of a function passes, as its last inputs, the variables its concrete function's
 * {@code bound_inputs} name as object-graph nodes, and the checkpoint's own object graph (the same
 * nodes in the same order) gives each node's checkpoint key.
 */
final class CapturedVariables {

  private static final String OBJECT_GRAPH_KEY = "_CHECKPOINTABLE_OBJECT_GRAPH";
  private static final String VARIABLE_VALUE = "VARIABLE_VALUE";

  private CapturedVariables() {}

  /**
   * Reads the values of {@code names} (variables of the SavedModel's graph, by node name) from its
   * checkpoint by their object-graph keys and assigns them through {@code io}.
   *
   * @throws GraftException when the SavedModel has no object graph, or names no checkpoint entry for one of them
   */
  static void restore(SavedModelDir dir, List<String> names, Map<String, DataType> dtypes, Session session,
      VariableIo io) {
    Path prefix = dir.path().resolve("variables").resolve("variables");
    Map<String, String> keys = checkpointKeys(dir.metaGraph(), readObjectGraph(prefix, names));
    List<String> missing = names.stream().filter(n -> !keys.containsKey(n)).toList();
    if (!missing.isEmpty()) {
      throw new GraftException(unsetMessage(missing, "its object graph pairs no checkpoint entry with them"));
    }
    List<String> entries = names.stream().map(keys::get).toList();
    List<DataType> types = names.stream().map(dtypes::get).toList();
    try (Graph graph = new Graph(); Session reader = new Session(graph)) {
      GraphOperation restore = restoreOp(graph, prefix, entries, types);
      Session.Runner runner = reader.runner();
      for (int i = 0; i < names.size(); i++) {
        runner.fetch(restore.output(i));
      }
      try (Result values = runner.run()) {
        io.assign(session, names, values::get);
      }
    }
  }

  /**
   * Checkpoint keys of the variables that top-level function calls capture, by the name of their
   * {@code VarHandleOp} in the meta graph.
   */
  static Map<String, String> checkpointKeys(MetaGraphDef meta, TrackableObjectGraph checkpoint) {
    Map<String, String> keys = new LinkedHashMap<>();
    Map<String, SavedConcreteFunction> functions = meta.getObjectGraphDef().getConcreteFunctionsMap();
    Map<String, NodeDef> nodes = new LinkedHashMap<>();
    meta.getGraphDef().getNodeList().forEach(n -> nodes.put(n.getName(), n));
    for (NodeDef call : meta.getGraphDef().getNodeList()) {
      if (!call.getOp().endsWith("PartitionedCall") || !call.getAttrMap().containsKey("f")) {
        continue;
      }
      SavedConcreteFunction function = functions.get(call.getAttrMap().get("f").getFunc().getName());
      if (function == null) {
        continue;
      }
      List<String> inputs = GraphIndex.dataInputs(call);
      List<Integer> bound = function.getBoundInputsList();
      for (int i = 0; i < bound.size() && bound.size() <= inputs.size(); i++) {
        String input = TensorRef.opOf(inputs.get(inputs.size() - bound.size() + i));
        NodeDef variable = nodes.get(input);
        String key = variableKey(checkpoint, bound.get(i));
        if (variable != null && variable.getOp().equals("VarHandleOp") && key != null) {
          keys.putIfAbsent(input, key);
        }
      }
    }
    return keys;
  }

  private static String variableKey(TrackableObjectGraph checkpoint, int node) {
    if (node < 0 || node >= checkpoint.getNodesCount()) {
      return null;
    }
    for (SerializedTensor attribute : checkpoint.getNodes(node).getAttributesList()) {
      if (attribute.getName().equals(VARIABLE_VALUE)) {
        return attribute.getCheckpointKey();
      }
    }
    return null;
  }

  private static TrackableObjectGraph readObjectGraph(Path prefix, List<String> names) {
    try (Graph graph = new Graph(); Session reader = new Session(graph)) {
      GraphOperation restore = restoreOp(graph, prefix, List.of(OBJECT_GRAPH_KEY), List.of(DataType.DT_STRING));
      try (Result result = reader.runner().fetch(restore.output(0)).run()) {
        return TrackableObjectGraph.parseFrom(((TString) result.get(0)).asBytes().getObject());
      }
    } catch (InvalidProtocolBufferException | org.tensorflow.exceptions.TensorFlowException e) {
      throw new GraftException(unsetMessage(names, "its checkpoint " + prefix + " holds no readable object graph ("
          + e.getMessage().lines().findFirst().orElse("") + ")"), e);
    }
  }

  private static GraphOperation restoreOp(Graph graph, Path prefix, List<String> entries, List<DataType> types) {
    List<String> slices = entries.stream().map(e -> "").toList();
    return graph.opBuilder("RestoreV2", "restore", graph.baseScope())
        .addInput(stringConst(graph, "prefix", List.of(prefix.toString()), true).output(0))
        .addInput(stringConst(graph, "tensor_names", entries, false).output(0))
        .addInput(stringConst(graph, "shape_and_slices", slices, false).output(0))
        .setAttr("dtypes", types.toArray(new DataType[0])).build();
  }

  private static GraphOperation stringConst(Graph graph, String name, List<String> values, boolean scalar) {
    try (TString tensor = scalar ? TString.scalarOf(values.get(0)) : TString.vectorOf(values.toArray(new String[0]))) {
      return graph.opBuilder("Const", name, graph.baseScope())
          .setAttr("dtype", DataType.DT_STRING).setAttr("value", tensor).build();
    }
  }

  /** The message for variables that TensorFlow's loader left unset and that this class cannot restore either. */
  static String unsetMessage(List<String> names, String why) {
    List<String> shown = names.size() > 5 ? new ArrayList<>(names.subList(0, 5)) : new ArrayList<>(names);
    if (names.size() > 5) {
      shown.add("... " + (names.size() - 5) + " more");
    }
    return "TensorFlow's SavedModel loader (the one TensorFlow Serving uses) left " + names.size()
        + " variable(s) of the model without a value " + shown + ": the model's restore op does not set the "
        + "variables its functions read, and " + why + ". Re-export the model with Keras's model.export(path) "
        + "(Keras 3) or model.save(path, save_format='tf') (tf-keras), which write a graph TensorFlow Serving loads.";
  }
}
