package dev.graft.tools;

import dev.graft.graph.TensorRef;
import com.google.protobuf.ByteString;
import dev.graft.graph.internal.OpRegistry;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.HashSet;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Set;
import org.tensorflow.Graph;
import org.tensorflow.GraphOperation;
import org.tensorflow.Output;
import org.tensorflow.proto.AttrValue;
import org.tensorflow.proto.DataType;
import org.tensorflow.proto.FunctionDef;
import org.tensorflow.proto.GraphDef;
import org.tensorflow.proto.NameAttrList;
import org.tensorflow.proto.NodeDef;
import org.tensorflow.proto.OpDef;
import org.tensorflow.proto.ResourceHandleProto;

/**
 * Writes part of a graph as a {@link FunctionDef} in the form Python's {@code tf.function} writes:
 * the inverse of {@link dev.graft.graph.internal.FunctionInliner}.
 *
 * <p>The body is every node the outputs depend on, up to the declared inputs. A resource handle
 * input (a {@code VarHandleOp}) becomes a {@code DT_RESOURCE} argument carrying the variable's
 * dtype and shape as handle data. Node inputs use the {@code node:out_arg:index} form, each output
 * is returned through an {@code Identity}, and when the body holds stateful ops (variable reads,
 * stateful calls) those outputs wait on a {@code NoOp} that depends on them, which is also listed as
 * the function's control outputs, as automatic control dependencies do in Python.
 *
 * <pre>{@code
 * FunctionDef dense = FunctionWriter.from(graph)
 *     .input("inputs", "flatten/Reshape:0")
 *     .input("matmul_readvariableop_resource", "dense/kernel")
 *     .output("identity", "dense/Relu:0")
 *     .stripPrefix("dense/")
 *     .write("__inference_dense_layer_call_and_return_conditional_losses_12");
 * NodeDef call = FunctionWriter.callNode("dense/StatefulPartitionedCall", dense,
 *     List.of("flatten/PartitionedCall:0", "dense/kernel"));
 * }</pre>
 */
public final class FunctionWriter {

  private static final Set<String> SOURCE_OPS = Set.of("Placeholder", "PlaceholderWithDefault",
      "VarHandleOp", "VariableV2", "Variable");

  private final Graph graph;
  private final Map<String, String> inputs = new LinkedHashMap<>();
  private final Map<String, String> outputs = new LinkedHashMap<>();
  private String stripPrefix = "";

  private FunctionWriter(Graph graph) {
    this.graph = graph;
  }

  /**
   * A writer over the nodes of {@code graph}; functions its call nodes name must be in the graph's
   * library.
   */
  public static FunctionWriter from(Graph graph) {
    return new FunctionWriter(graph);
  }

  /**
   * Declares an argument: the tensor {@code tensor} ({@code node:index}, or a node name for its
   * first output) is read inside the function as the argument {@code argName}.
   */
  public FunctionWriter input(String argName, String tensor) {
    String key = canonical(tensor);
    if (inputs.containsKey(key)) {
      throw new IllegalArgumentException("Tensor '" + key + "' is already the input '" + inputs.get(key)
          + "'; declare each tensor once");
    }
    checkArgName(argName);
    inputs.put(key, argName);
    return this;
  }

  /** Declares a result: the function returns {@code tensor} as the output argument {@code argName}. */
  public FunctionWriter output(String argName, String tensor) {
    checkArgName(argName);
    outputs.put(argName, canonical(tensor));
    return this;
  }

  /** Removes {@code prefix} from the names of body nodes that start with it ({@code "dense/"}). */
  public FunctionWriter stripPrefix(String prefix) {
    this.stripPrefix = prefix;
    return this;
  }

  private void checkArgName(String argName) {
    if (!argName.matches("[a-z][a-z0-9_]*")) {
      throw new IllegalArgumentException("Argument name '" + argName
          + "' is not valid: function arguments must match [a-z][a-z0-9_]*");
    }
    if (inputs.containsValue(argName) || outputs.containsKey(argName)) {
      throw new IllegalArgumentException("Argument name '" + argName + "' is already used; give each argument its own name");
    }
  }

  /**
   * Writes the function.
   *
   * @throws IllegalStateException when no output was declared
   * @throws IllegalArgumentException when the outputs depend on a placeholder or variable that is not an input
   */
  public FunctionDef write(String functionName) {
    if (outputs.isEmpty()) {
      throw new IllegalStateException("No output declared: call output(name, tensor) before write()");
    }
    return new Body(functionName).build();
  }

  /**
   * A node that calls {@code callee}: a {@code StatefulPartitionedCall} when the function is
   * stateful, a {@code PartitionedCall} otherwise, with {@code Tin}/{@code Tout} from its signature.
   *
   * @param inputs one input reference per argument of the callee, in the caller's reference form
   */
  public static NodeDef callNode(String name, FunctionDef callee, List<String> inputs) {
    OpDef signature = callee.getSignature();
    if (inputs.size() != signature.getInputArgCount()) {
      throw new IllegalArgumentException("Function '" + signature.getName() + "' takes "
          + signature.getInputArgCount() + " arguments; the call '" + name + "' passes " + inputs.size());
    }
    AttrValue empty = AttrValue.newBuilder().setS(ByteString.EMPTY).build();
    return NodeDef.newBuilder().setName(name)
        .setOp(signature.getIsStateful() ? "StatefulPartitionedCall" : "PartitionedCall")
        .addAllInput(inputs)
        .putAttr("Tin", typeList(signature.getInputArgList(), signature.getName()))
        .putAttr("Tout", typeList(signature.getOutputArgList(), signature.getName()))
        .putAttr("f", AttrValue.newBuilder().setFunc(NameAttrList.newBuilder().setName(signature.getName())).build())
        .putAttr("config", empty).putAttr("config_proto", empty).putAttr("executor_type", empty)
        .build();
  }

  private static AttrValue typeList(List<OpDef.ArgDef> args, String function) {
    AttrValue.ListValue.Builder types = AttrValue.ListValue.newBuilder();
    for (OpDef.ArgDef arg : args) {
      if (arg.getType() == DataType.DT_INVALID) {
        throw new IllegalArgumentException("Argument '" + arg.getName() + "' of function '" + function
            + "' has no fixed type; only functions with fixed argument types can be called");
      }
      types.addType(arg.getType());
    }
    return AttrValue.newBuilder().setList(types).build();
  }

  private static String canonical(String tensor) {
    return TensorRef.canonical(tensor);
  }

  private static String nodeOf(String tensor) {
    return TensorRef.parse(tensor).op();
  }

  private static int indexOf(String tensor) {
    return TensorRef.parse(tensor).index();
  }

  /** The state of writing one function. */
  private final class Body {
    private final String functionName;
    private final Map<String, NodeDef> nodes = new HashMap<>();
    private final Map<String, FunctionDef> library = new HashMap<>();
    private final Set<String> inputNodes = new HashSet<>();
    private final List<NodeDef> order = new ArrayList<>();
    private final Set<String> visited = new HashSet<>();
    private final Set<String> onPath = new HashSet<>();
    private final Map<String, String> renamed = new HashMap<>();
    private final Set<String> usedNames = new HashSet<>();
    private final OpRegistry registry = OpRegistry.get();

    Body(String functionName) {
      this.functionName = functionName;
      GraphDef def = graph.toGraphDef();
      for (NodeDef node : def.getNodeList()) {
        nodes.put(node.getName(), node);
      }
      for (FunctionDef function : def.getLibrary().getFunctionList()) {
        library.put(function.getSignature().getName(), function);
      }
      for (String tensor : inputs.keySet()) {
        requireTensor(tensor, "input");
        inputNodes.add(nodeOf(tensor));
      }
      usedNames.addAll(inputs.values());
    }

    FunctionDef build() {
      for (String tensor : outputs.values()) {
        requireTensor(tensor, "output");
        if (!inputs.containsKey(tensor)) {
          visit(nodeOf(tensor), tensor);
        }
      }
      OpDef.Builder signature = OpDef.newBuilder().setName(functionName);
      for (Map.Entry<String, String> input : inputs.entrySet()) {
        signature.addInputArg(inputArg(input.getValue(), input.getKey()));
      }
      FunctionDef.Builder function = FunctionDef.newBuilder();
      List<String> stateful = new ArrayList<>();
      for (NodeDef node : order) {
        NodeDef copy = copy(node);
        function.addNodeDef(copy);
        if (isStateful(node)) {
          stateful.add(copy.getName());
        }
      }
      String noOp = stateful.isEmpty() ? null : unique("NoOp");
      int k = 0;
      for (Map.Entry<String, String> output : outputs.entrySet()) {
        String identity = unique(k == 0 ? "Identity" : "Identity_" + k);
        k++;
        DataType dtype = tensor(output.getValue()).dataType();
        NodeDef.Builder node = NodeDef.newBuilder().setName(identity).setOp("Identity")
            .addInput(reference(output.getValue()))
            .putAttr("T", AttrValue.newBuilder().setType(dtype).build());
        if (noOp != null) {
          node.addInput("^" + noOp);
        }
        function.addNodeDef(node);
        signature.addOutputArg(OpDef.ArgDef.newBuilder().setName(output.getKey()).setType(dtype));
        function.putRet(output.getKey(), identity + ":output:0");
      }
      if (noOp != null) {
        NodeDef.Builder node = NodeDef.newBuilder().setName(noOp).setOp("NoOp")
            .putAttr("_acd_function_control_output", AttrValue.newBuilder().setB(true).build());
        stateful.stream().sorted().forEach(name -> {
          node.addInput("^" + name);
          signature.addControlOutput(name);
          function.putControlRet(name, name);
        });
        function.addNodeDef(node);
        signature.setIsStateful(true);
      }
      int i = 0;
      for (String arg : inputs.values()) {
        function.putArgAttr(i++, FunctionDef.ArgAttrs.newBuilder().putAttr("_user_specified_name",
            AttrValue.newBuilder().setS(ByteString.copyFromUtf8(arg)).build()).build());
      }
      return function.setSignature(signature).build();
    }

    private void requireTensor(String tensor, String role) {
      NodeDef node = nodes.get(nodeOf(tensor));
      if (node == null) {
        throw new IllegalArgumentException("The " + role + " tensor '" + tensor + "' of function '" + functionName
            + "' names no node of the graph");
      }
      int count = graph.operation(node.getName()).numOutputs();
      if (indexOf(tensor) >= count) {
        throw new IllegalArgumentException("The " + role + " tensor '" + tensor + "' of function '" + functionName
            + "' does not exist: node '" + node.getName() + "' (" + node.getOp() + ") has " + count + " outputs");
      }
    }

    private Output<?> tensor(String tensor) {
      GraphOperation op = graph.operation(nodeOf(tensor));
      return op.output(indexOf(tensor));
    }

    private OpDef.ArgDef inputArg(String argName, String tensor) {
      OpDef.ArgDef.Builder arg = OpDef.ArgDef.newBuilder().setName(argName).setType(tensor(tensor).dataType());
      NodeDef node = nodes.get(nodeOf(tensor));
      if (node.getOp().equals("VarHandleOp")) {
        arg.addHandleData(ResourceHandleProto.DtypeAndShape.newBuilder()
            .setDtype(node.getAttrMap().get("dtype").getType())
            .setShape(node.getAttrMap().get("shape").getShape()));
      }
      return arg.build();
    }

    /** Adds {@code name} and what it depends on to the body, in dependency order. */
    private void visit(String name, String via) {
      if (visited.contains(name)) {
        return;
      }
      if (!onPath.add(name)) {
        throw new IllegalArgumentException("Cycle in the graph at node '" + name + "'");
      }
      NodeDef node = nodes.get(name);
      if (SOURCE_OPS.contains(node.getOp())) {
        throw new IllegalArgumentException("Function '" + functionName + "' needs '" + via + "' of node '" + name
            + "' (" + node.getOp() + "), which is not among its inputs " + new ArrayList<>(inputs.keySet())
            + "; declare it with input(name, \"" + via + "\")");
      }
      if (inputNodes.contains(name)) {
        throw new IllegalArgumentException("Function '" + functionName + "' needs '" + via + "', another output of"
            + " input node '" + name + "'; declare that tensor as an input too, or choose the inputs so the body"
            + " does not cross them");
      }
      for (String input : node.getInputList()) {
        if (input.startsWith("^")) {
          String source = input.substring(1);
          if (!inputNodes.contains(source)) {
            visit(source, input);
          }
        } else if (!inputs.containsKey(canonical(input))) {
          visit(nodeOf(canonical(input)), canonical(input));
        }
      }
      onPath.remove(name);
      visited.add(name);
      String bodyName = name.startsWith(stripPrefix) ? name.substring(stripPrefix.length()) : name;
      if (!usedNames.add(bodyName)) {
        throw new IllegalArgumentException("Two nodes of function '" + functionName + "' would be named '" + bodyName
            + "' (one is '" + name + "'); choose another prefix to strip, or rename the argument");
      }
      renamed.put(name, bodyName);
      order.add(node);
    }

    private NodeDef copy(NodeDef node) {
      NodeDef.Builder copy = node.toBuilder().setName(renamed.get(node.getName())).clearInput().clearDevice()
          .removeAttr("_class");
      for (String input : node.getInputList()) {
        if (input.startsWith("^")) {
          String source = input.substring(1);
          if (!inputNodes.contains(source)) {
            copy.addInput("^" + renamed.get(source));
          }
        } else {
          copy.addInput(reference(canonical(input)));
        }
      }
      return copy.build();
    }

    /** The function-body reference to a graph tensor: an argument name or {@code node:out_arg:index}. */
    private String reference(String tensor) {
      String arg = inputs.get(tensor);
      if (arg != null) {
        return arg;
      }
      NodeDef node = nodes.get(nodeOf(tensor));
      int index = indexOf(tensor);
      FunctionDef called = library.get(node.getOp());
      if (called != null) {
        return renamed.get(node.getName()) + ":" + called.getSignature().getOutputArg(index).getName() + ":0";
      }
      List<OpDef.ArgDef> args = registry.op(node.getOp()).getOutputArgList();
      int end = registry.outputCount(node);
      for (int a = args.size() - 1; a >= 0; a--) {
        int start = registry.outputOffset(node, args.get(a).getName());
        if (index >= start && index < end) {
          return renamed.get(node.getName()) + ":" + args.get(a).getName() + ":" + (index - start);
        }
        end = start;
      }
      throw new IllegalArgumentException("Node '" + node.getName() + "' (" + node.getOp() + ") has no output " + index);
    }

    private boolean isStateful(NodeDef node) {
      FunctionDef called = library.get(node.getOp());
      if (called != null) {
        return called.getSignature().getIsStateful();
      }
      return registry.op(node.getOp()).getIsStateful();
    }

    private String unique(String base) {
      String name = base;
      for (int i = 1; usedNames.contains(name); i++) {
        name = base + "_" + i;
      }
      usedNames.add(name);
      return name;
    }
  }
}
