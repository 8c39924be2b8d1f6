package dev.graft.model;

import dev.graft.graph.TensorRef;
import dev.graft.graph.GraphIndex;
import java.nio.file.Path;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import org.tensorflow.Graph;
import org.tensorflow.GraphOperation;
import org.tensorflow.proto.DataType;
import org.tensorflow.proto.MetaGraphDef;
import org.tensorflow.proto.NodeDef;
import org.tensorflow.proto.SavedObjectGraphOuterClass.SavedConcreteFunction;
import org.tensorflow.proto.TrackableObjectGraphOuterClass.TrackableObjectGraph;
import org.tensorflow.proto.TrackableObjectGraphOuterClass.TrackableObjectGraph.TrackableObject.SerializedTensor;
import org.tensorflow.types.TString;

/**
 * Pairs the variables that a TF2 SavedModel's functions capture with their checkpoint entries through the object
 * graph, for {@link CheckpointVariables}.
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

  private static final String VARIABLE_VALUE = "VARIABLE_VALUE";

  private CapturedVariables() {}

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

  /** A {@code RestoreV2} of {@code entries} from the checkpoint at {@code prefix}, one output per entry. */
  static GraphOperation restoreOp(Graph graph, Path prefix, List<String> entries, List<DataType> types) {
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
}
