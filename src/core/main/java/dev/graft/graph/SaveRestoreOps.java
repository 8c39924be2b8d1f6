package dev.graft.graph;

import java.util.List;
import org.tensorflow.Graph;
import org.tensorflow.GraphOperation;
import org.tensorflow.Output;
import org.tensorflow.ndarray.NdArrays;
import org.tensorflow.ndarray.Shape;
import org.tensorflow.op.Scope;
import org.tensorflow.proto.DataType;
import org.tensorflow.types.TString;

/**
 * {@code SaveV2}/{@code RestoreV2} ops over a list of resource variables, keyed by variable name.
 *
 * @param filename the string placeholder fed with the checkpoint prefix
 * @param save the op to run to save ({@code <scope>/control_dependency}, an Identity of the filename)
 * @param restore the op to run to restore ({@code <scope>/restore_all})
 */
public record SaveRestoreOps(String filename, String save, String restore) {

  /** Adds the ops under {@code scope}, which no op of the graph may use yet. */
  public static SaveRestoreOps add(Graph graph, String scope, List<GraphOperation> variables) {
    if (graph.operation(scope + "/filename") != null) {
      throw new IllegalStateException("The graph already has ops under '" + scope + "': add save ops once");
    }
    Scope base = graph.baseScope();
    GraphOperation filename = graph.opBuilder("Placeholder", scope + "/filename", base)
        .setAttr("dtype", DataType.DT_STRING).setAttr("shape", Shape.scalar()).build();
    int n = variables.size();
    String[] names = new String[n];
    String[] slices = new String[n];
    DataType[] dtypes = new DataType[n];
    Output<?>[] values = new Output<?>[n];
    for (int i = 0; i < n; i++) {
      GraphOperation var = variables.get(i);
      names[i] = var.name();
      slices[i] = "";
      dtypes[i] = var.attributes().getAttrType("dtype");
      values[i] = graph.opBuilder("ReadVariableOp", scope + "/read_" + i, base)
          .addInput(var.output(0)).setAttr("dtype", dtypes[i]).build().output(0);
    }
    GraphOperation tensorNames = stringConst(graph, scope + "/tensor_names", names);
    GraphOperation shapeAndSlices = stringConst(graph, scope + "/shape_and_slices", slices);
    var saveOp = graph.opBuilder("SaveV2", scope + "/SaveV2", base)
        .addInput(filename.output(0)).addInput(tensorNames.output(0)).addInput(shapeAndSlices.output(0))
        .addInputList(values).build();
    graph.opBuilder("Identity", scope + "/control_dependency", base)
        .addInput(filename.output(0)).addControlInput(saveOp).build();
    var restoreAll = graph.opBuilder("NoOp", scope + "/restore_all", base);
    if (n > 0) {
      GraphOperation restore = graph.opBuilder("RestoreV2", scope + "/RestoreV2", base)
          .addInput(filename.output(0)).addInput(tensorNames.output(0)).addInput(shapeAndSlices.output(0))
          .setAttr("dtypes", dtypes).build();
      for (int i = 0; i < n; i++) {
        restoreAll.addControlInput(graph.opBuilder("AssignVariableOp", scope + "/assign_" + i, base)
            .addInput(variables.get(i).output(0)).addInput(restore.output(i)).setAttr("dtype", dtypes[i]).build());
      }
    }
    restoreAll.build();
    return new SaveRestoreOps(scope + "/filename", scope + "/control_dependency", scope + "/restore_all");
  }

  private static GraphOperation stringConst(Graph graph, String name, String[] values) {
    try (TString tensor = TString.tensorOf(NdArrays.vectorOfObjects(values))) {
      return graph.opBuilder("Const", name, graph.baseScope())
          .setAttr("dtype", DataType.DT_STRING).setAttr("value", tensor).build();
    }
  }
}
