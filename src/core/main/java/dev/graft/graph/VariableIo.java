package dev.graft.graph;

import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import org.tensorflow.Graph;
import org.tensorflow.GraphOperation;
import org.tensorflow.Session;
import org.tensorflow.Tensor;
import org.tensorflow.proto.DataType;

/**
 * Reads and writes the values of resource variables of a graph through ops it adds once.
 *
 * <p>Used to copy restored weights into a flattened graph, to keep the best weights of a run, and
 * to carry trained weights into the serving graph of an export.
 */
public final class VariableIo {

  private final Graph graph;
  private final String scope;
  private final Map<String, String> readOps = new LinkedHashMap<>();
  private final Map<String, String[]> assignOps = new LinkedHashMap<>();

  /**
   * Creates the reader/writer; ops go under {@code scope} (a name no other op of the graph starts with).
   */
  public VariableIo(Graph graph, String scope) {
    this.graph = graph;
    this.scope = scope;
  }

  /** Reads the current values of the named variables ({@code VarHandleOp} or {@code VariableV2} nodes). */
  public VariableSnapshot read(Session session, List<String> variables) {
    Session.Runner runner = session.runner();
    for (String name : variables) {
      runner.fetch(readOp(name));
    }
    return new VariableSnapshot(variables, variables.isEmpty() ? null : runner.run());
  }

  /** Assigns the snapshot's values to the variables of the same names in this graph. */
  public void assign(Session session, VariableSnapshot snapshot) {
    assign(session, snapshot.names(), snapshot::value);
  }

  /** Assigns values given by index to the named variables. */
  public void assign(Session session, List<String> variables, java.util.function.IntFunction<Tensor> values) {
    if (variables.isEmpty()) {
      return;
    }
    Session.Runner runner = session.runner();
    for (int i = 0; i < variables.size(); i++) {
      Tensor value = values.apply(i);
      String[] ops = assignOp(variables.get(i), value.dataType());
      runner.feed(ops[0], value);
      runner.addTarget(ops[1]);
    }
    runner.run();
  }

  private String readOp(String variable) {
    return readOps.computeIfAbsent(variable, name -> {
      GraphOperation var = graph.operationOrThrow(name);
      String opName = scope + "/read_" + readOps.size();
      if (var.type().equals("VarHandleOp")) {
        DataType dtype = var.attributes().getAttrValueProto("dtype").getType();
        graph.opBuilder("ReadVariableOp", opName, graph.baseScope())
            .addInput(var.output(0)).setAttr("dtype", dtype).build();
        return opName;
      }
      return name;
    });
  }

  private String[] assignOp(String variable, DataType dtype) {
    return assignOps.computeIfAbsent(variable, name -> {
      GraphOperation var = graph.operationOrThrow(name);
      if (!var.type().equals("VarHandleOp")) {
        throw new IllegalArgumentException("Variable '" + name + "' is a " + var.type()
            + "; only resource variables (VarHandleOp) can be assigned");
      }
      int i = assignOps.size();
      String feed = scope + "/value_" + i;
      String assign = scope + "/assign_" + i;
      GraphOperation placeholder = graph.opBuilder("Placeholder", feed, graph.baseScope())
          .setAttr("dtype", dtype).build();
      graph.opBuilder("AssignVariableOp", assign, graph.baseScope())
          .addInput(var.output(0)).addInput(placeholder.output(0)).setAttr("dtype", dtype).build();
      return new String[] {feed, assign};
    });
  }

  /** Names of all resource and reference variables of a graph, in graph order. */
  public static List<String> variablesOf(Graph graph) {
    List<String> names = new ArrayList<>();
    graph.operations().forEachRemaining(op -> {
      if (op.type().equals("VarHandleOp") || op.type().equals("VariableV2")) {
        names.add(op.name());
      }
    });
    return names;
  }
}
