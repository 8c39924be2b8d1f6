package dev.graft.graph.internal;

import java.util.HashMap;
import java.util.List;
import java.util.Map;
import org.tensorflow.TensorFlow;
import org.tensorflow.proto.AttrValue;
import org.tensorflow.proto.NodeDef;
import org.tensorflow.proto.OpDef;

/** The op definitions TensorFlow's native runtime registers, used to lay out node outputs. */
public final class OpRegistry {

  private static volatile OpRegistry instance;

  private final Map<String, OpDef> ops;

  private OpRegistry(Map<String, OpDef> ops) {
    this.ops = ops;
  }

  /** The registry of the loaded TensorFlow runtime. */
  public static OpRegistry get() {
    OpRegistry result = instance;
    if (result == null) {
      synchronized (OpRegistry.class) {
        if (instance == null) {
          Map<String, OpDef> ops = new HashMap<>();
          for (OpDef def : TensorFlow.registeredOpList().getOpList()) {
            ops.put(def.getName(), def);
          }
          instance = new OpRegistry(ops);
        }
        result = instance;
      }
    }
    return result;
  }

  /** Whether TensorFlow knows an op of this name. */
  public boolean has(String opName) {
    return ops.containsKey(opName);
  }

  /** The definition of an op, or an error naming it. */
  public OpDef op(String opName) {
    OpDef def = ops.get(opName);
    if (def == null) {
      throw new IllegalArgumentException(
          "Op '" + opName + "' is not registered in this TensorFlow runtime ("
              + TensorFlow.version() + "); the model needs a custom op library");
    }
    return def;
  }

  /** The flat index of the first tensor of output argument {@code argName} of {@code node}. */
  public int outputOffset(NodeDef node, String argName) {
    OpDef def = op(node.getOp());
    int offset = 0;
    for (OpDef.ArgDef arg : def.getOutputArgList()) {
      if (arg.getName().equals(argName)) {
        return offset;
      }
      offset += argSize(arg, node, def);
    }
    throw new IllegalArgumentException(
        "Op " + node.getOp() + " (node '" + node.getName() + "') has no output named '" + argName
            + "'; its outputs are " + def.getOutputArgList().stream().map(OpDef.ArgDef::getName).toList());
  }

  /** The number of tensors of all outputs of {@code node}. */
  public int outputCount(NodeDef node) {
    OpDef def = op(node.getOp());
    int count = 0;
    for (OpDef.ArgDef arg : def.getOutputArgList()) {
      count += argSize(arg, node, def);
    }
    return count;
  }

  private static int argSize(OpDef.ArgDef arg, NodeDef node, OpDef def) {
    if (!arg.getNumberAttr().isEmpty()) {
      return (int) attr(node, def, arg.getNumberAttr()).getI();
    }
    if (!arg.getTypeListAttr().isEmpty()) {
      return attr(node, def, arg.getTypeListAttr()).getList().getTypeCount();
    }
    return 1;
  }

  private static AttrValue attr(NodeDef node, OpDef def, String name) {
    AttrValue value = node.getAttrMap().get(name);
    if (value != null) {
      return value;
    }
    List<OpDef.AttrDef> attrs = def.getAttrList();
    for (OpDef.AttrDef attr : attrs) {
      if (attr.getName().equals(name) && attr.hasDefaultValue()) {
        return attr.getDefaultValue();
      }
    }
    throw new IllegalArgumentException(
        "Node '" + node.getName() + "' (" + node.getOp() + ") lacks attr '" + name + "'");
  }
}
