package dev.graft.graph;

import dev.graft.graph.internal.OpRegistry;
import java.util.HashMap;
import java.util.Map;
import java.util.Set;
import org.tensorflow.proto.AttrValue;
import org.tensorflow.proto.GraphDef;
import org.tensorflow.proto.NodeDef;
import org.tensorflow.proto.OpDef;

/**
 * Turns TF1 reference variables ({@code VariableV2}) into resource variables ({@code VarHandleOp}),
 * so one set of training and export ops serves models of both eras.
 */
public final class RefVariables {

  private static final Set<String> REF_VARIABLE_OPS = Set.of("VariableV2", "Variable");

  private RefVariables() {}

  /**
   * Returns the graph with every reference variable replaced by a resource variable of the same
   * name; data consumers read it through a {@code ReadVariableOp} named {@code <var>/graft_read}.
   */
  public static GraphDef toResourceVariables(GraphDef graph) {
    Map<String, NodeDef> refVariables = new HashMap<>();
    for (NodeDef node : graph.getNodeList()) {
      if (REF_VARIABLE_OPS.contains(node.getOp())) {
        refVariables.put(node.getName(), node);
      }
    }
    if (refVariables.isEmpty()) {
      return graph;
    }
    OpRegistry registry = OpRegistry.get();
    GraphDef.Builder out = graph.toBuilder().clearNode();
    for (NodeDef node : graph.getNodeList()) {
      NodeDef variable = refVariables.get(node.getName());
      if (variable != null) {
        out.addNode(handleFor(variable));
        out.addNode(NodeDef.newBuilder().setName(variable.getName() + ReservedNames.READ_SUFFIX).setOp("ReadVariableOp")
            .addInput(variable.getName()).putAttr("dtype", variable.getAttrMap().get("dtype")).build());
        continue;
      }
      NodeDef.Builder rewritten = node.toBuilder().clearInput();
      OpDef def = registry.has(node.getOp()) ? registry.op(node.getOp()) : null;
      for (int i = 0; i < node.getInputCount(); i++) {
        String input = node.getInput(i);
        String source = input.startsWith("^") ? null : TensorRef.opOf(input);
        if (source != null && refVariables.containsKey(source)) {
          if (def != null && takesRef(def, i)) {
            throw new IllegalArgumentException("Node '" + node.getName() + "' (" + node.getOp()
                + ") updates reference variable '" + source + "' in place; only read-only uses can be converted");
          }
          rewritten.addInput(source + ReservedNames.READ_SUFFIX);
        } else {
          rewritten.addInput(input);
        }
      }
      out.addNode(rewritten.build());
    }
    return out.build();
  }

  private static boolean takesRef(OpDef def, int inputIndex) {
    // Ops that take ref inputs have fixed single-tensor arguments in practice.
    return inputIndex < def.getInputArgCount() && def.getInputArg(inputIndex).getIsRef();
  }

  private static NodeDef handleFor(NodeDef variable) {
    return NodeDef.newBuilder().setName(variable.getName()).setOp("VarHandleOp")
        .putAttr("dtype", variable.getAttrMap().get("dtype"))
        .putAttr("shape", variable.getAttrMap().get("shape"))
        .putAttr("shared_name", AttrValue.newBuilder()
            .setS(com.google.protobuf.ByteString.copyFromUtf8(variable.getName())).build())
        .putAttr("container", AttrValue.newBuilder().setS(com.google.protobuf.ByteString.EMPTY).build())
        .build();
  }
}
