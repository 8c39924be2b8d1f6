package dev.graft.graph.internal;

import java.util.ArrayDeque;
import java.util.ArrayList;
import java.util.Collection;
import java.util.Deque;
import java.util.HashMap;
import java.util.HashSet;
import java.util.LinkedHashMap;
import java.util.LinkedHashSet;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.concurrent.atomic.AtomicReference;
import org.tensorflow.proto.AttrValue;
import org.tensorflow.proto.DataType;
import org.tensorflow.proto.FunctionDef;
import org.tensorflow.proto.FunctionDefLibrary;
import org.tensorflow.proto.GraphDef;
import org.tensorflow.proto.NodeDef;
import org.tensorflow.proto.OpDef;

/**
 * Inlines the bodies of {@code StatefulPartitionedCall} and {@code PartitionedCall} ops into one
 * flat graph, so every op of a Keras forward pass becomes a node that can be cut and differentiated.
 *
 * <p>Only what the requested roots depend on is kept. A node inlined from a call named {@code c}
 * is named {@code c/<node>}; the call's own name survives as an {@code Identity} (or
 * {@code IdentityN}) over its results so that signatures keep pointing at valid tensors. Consumers
 * inside the graph read the results directly, and {@code IdentityN} pass-throughs are bypassed,
 * since TensorFlow has no gradient for that op. Control-flow functions (If, While) are left as
 * they are, with the functions they call carried into the flat graph's library.
 *
 * <pre>{@code
 * GraphDef flat = FunctionInliner.flatten(metaGraph.getGraphDef(), List.of("StatefulPartitionedCall"));
 * }</pre>
 */
public final class FunctionInliner {

  private static final Set<String> CALL_OPS = Set.of("StatefulPartitionedCall", "PartitionedCall");
  private static final long STACK_BYTES = 512L << 20;

  private final Map<String, FunctionDef> functions = new HashMap<>();
  private final OpRegistry registry = OpRegistry.get();
  private final List<NodeDef> emitted = new ArrayList<>();
  private final Set<String> emittedNames = new HashSet<>();

  private FunctionInliner(FunctionDefLibrary library) {
    for (FunctionDef function : library.getFunctionList()) {
      functions.put(function.getSignature().getName(), function);
    }
  }

  /**
   * Returns a graph holding every node the named roots depend on, with all function calls inlined.
   *
   * @param graph a graph whose library holds the called functions
   * @param roots names of the nodes to keep (signature inputs and outputs, typically)
   */
  public static GraphDef flatten(GraphDef graph, Collection<String> roots) {
    // Deep Keras models nest calls hundreds of levels down: recurse on a thread with a large stack.
    AtomicReference<GraphDef> result = new AtomicReference<>();
    AtomicReference<Throwable> failure = new AtomicReference<>();
    Thread worker = new Thread(null, () -> {
      try {
        result.set(new FunctionInliner(graph.getLibrary()).run(graph, roots));
      } catch (Throwable t) {
        failure.set(t);
      }
    }, "graft-inline", STACK_BYTES);
    worker.start();
    try {
      worker.join();
    } catch (InterruptedException e) {
      Thread.currentThread().interrupt();
      throw new IllegalStateException("Interrupted while flattening the graph", e);
    }
    if (failure.get() instanceof RuntimeException e) {
      throw e;
    }
    if (failure.get() != null) {
      throw new IllegalStateException("Flattening the graph failed: " + failure.get(), failure.get());
    }
    return result.get();
  }

  private GraphDef run(GraphDef graph, Collection<String> roots) {
    Map<String, NodeDef> topNodes = new LinkedHashMap<>();
    for (NodeDef node : graph.getNodeList()) {
      topNodes.put(node.getName(), node);
    }
    Scope top = new Scope("", topNodes, Map.of(), null, Map.of(), false);
    for (String root : roots) {
      if (!topNodes.containsKey(root)) {
        throw new IllegalArgumentException("The graph has no node named '" + root + "'");
      }
      emitNode(top, root);
    }
    GraphDef.Builder flat = GraphDef.newBuilder().setVersions(graph.getVersions());
    flat.addAllNode(emitted);
    flat.setLibrary(reachableLibrary());
    return flat.build();
  }

  /** Functions still referenced by attrs of kept nodes (control flow branches), transitively. */
  private FunctionDefLibrary reachableLibrary() {
    Set<String> needed = new LinkedHashSet<>();
    Deque<String> pending = new ArrayDeque<>();
    for (NodeDef node : emitted) {
      collectFunctionRefs(node, pending);
    }
    while (!pending.isEmpty()) {
      String name = pending.pop();
      FunctionDef function = functions.get(name);
      if (function == null || !needed.add(name)) {
        continue;
      }
      for (NodeDef node : function.getNodeDefList()) {
        collectFunctionRefs(node, pending);
      }
    }
    FunctionDefLibrary.Builder library = FunctionDefLibrary.newBuilder();
    for (String name : needed) {
      library.addFunction(functions.get(name));
    }
    return library.build();
  }

  private void collectFunctionRefs(NodeDef node, Deque<String> pending) {
    if (functions.containsKey(node.getOp())) {
      pending.push(node.getOp());
    }
    for (AttrValue value : node.getAttrMap().values()) {
      if (value.hasFunc()) {
        pending.push(value.getFunc().getName());
      }
      for (var func : value.getList().getFuncList()) {
        pending.push(func.getName());
      }
    }
  }

  /** One level of nesting: the top-level graph, or the body of one inlined call. */
  private static final class Scope {
    final String prefix;
    final Map<String, NodeDef> nodes;
    final Map<String, String> args;
    final String inputControl;
    final Map<String, AttrValue> attrs;
    final boolean functionBody;
    final Map<String, List<String>> callOutputs = new HashMap<>();
    final Set<String> done = new HashSet<>();
    final Set<String> inProgress = new HashSet<>();

    Scope(String prefix, Map<String, NodeDef> nodes, Map<String, String> args, String inputControl,
        Map<String, AttrValue> attrs, boolean functionBody) {
      this.prefix = prefix;
      this.nodes = nodes;
      this.args = args;
      this.inputControl = inputControl;
      this.attrs = attrs;
      this.functionBody = functionBody;
    }

    String flatName(String node) {
      return prefix.isEmpty() ? node : prefix + "/" + node;
    }
  }

  private boolean isCall(NodeDef node) {
    return (CALL_OPS.contains(node.getOp()) && node.getAttrMap().containsKey("f"))
        || functions.containsKey(node.getOp());
  }

  private FunctionDef calledFunction(NodeDef node) {
    String name = CALL_OPS.contains(node.getOp()) ? node.getAttrMap().get("f").getFunc().getName()
        : node.getOp();
    FunctionDef function = functions.get(name);
    if (function == null) {
      throw new IllegalArgumentException(
          "Node '" + node.getName() + "' calls function '" + name + "', which the graph's library lacks");
    }
    return function;
  }

  /** Resolves an input reference of a node in {@code scope} to a flat-graph reference. */
  private String resolve(Scope scope, String ref) {
    if (ref.startsWith("^")) {
      String name = ref.substring(1);
      if (scope.args.containsKey(name)) {
        return "^" + nodeOf(scope.args.get(name));
      }
      emitNode(scope, name);
      return "^" + scope.flatName(name);
    }
    String[] parts = ref.split(":", -1);
    if (scope.functionBody && parts.length == 1) {
      String arg = scope.args.get(ref);
      if (arg == null) {
        throw new IllegalArgumentException(
            "Function body under '" + scope.prefix + "' reads '" + ref + "', which is neither an argument nor a node output");
      }
      return arg;
    }
    // the graph's own nodes write op or op:index; a function body writes node:output_arg or node:output_arg:index
    // (parsed here, not with dev.graft.graph.TensorRef: this package sits below that one)
    boolean wellFormed = scope.functionBody
        ? parts.length <= 3 && (parts.length < 3 || isIndex(parts[2]))
        : parts.length == 1 || (parts.length == 2 && isIndex(parts[1]));
    if (!wellFormed) {
      throw new IllegalArgumentException("Input '" + ref + "' of a node under '"
          + (scope.prefix.isEmpty() ? "<top>" : scope.prefix) + "' is not "
          + (scope.functionBody ? "node:output_arg:index" : "op:index") + "; the SavedModel's graph is malformed");
    }
    String nodeName = parts[0];
    NodeDef node = scope.nodes.get(nodeName);
    if (node == null) {
      throw new IllegalArgumentException(
          "Node reference '" + ref + "' under '" + (scope.prefix.isEmpty() ? "<top>" : scope.prefix) + "' names no node");
    }
    int index;
    if (scope.functionBody) {
      int within = parts.length > 2 ? Integer.parseInt(parts[2]) : 0;
      index = outputOffset(scope, node, parts[1]) + within;
    } else {
      index = parts.length > 1 ? Integer.parseInt(parts[1]) : 0;
    }
    return resolveOutput(scope, node, index);
  }

  private static boolean isIndex(String text) {
    return !text.isEmpty() && text.length() <= 9 && text.chars().allMatch(Character::isDigit);
  }

  private String resolveOutput(Scope scope, NodeDef node, int index) {
    if (isCall(node)) {
      emitNode(scope, node.getName());
      List<String> outputs = scope.callOutputs.get(node.getName());
      if (index >= outputs.size()) {
        throw new IllegalArgumentException("Call '" + scope.flatName(node.getName()) + "' has "
            + outputs.size() + " outputs; output " + index + " was requested");
      }
      return outputs.get(index);
    }
    if (node.getOp().equals("IdentityN")) {
      List<String> dataInputs = node.getInputList().stream().filter(i -> !i.startsWith("^")).toList();
      return resolve(scope, dataInputs.get(index));
    }
    emitNode(scope, node.getName());
    return scope.flatName(node.getName()) + ":" + index;
  }

  private int outputOffset(Scope scope, NodeDef node, String argName) {
    if (functions.containsKey(node.getOp())) {
      List<OpDef.ArgDef> outputs = calledFunction(node).getSignature().getOutputArgList();
      for (int i = 0; i < outputs.size(); i++) {
        if (outputs.get(i).getName().equals(argName)) {
          return i;
        }
      }
      throw new IllegalArgumentException("Function called by '" + node.getName() + "' has no output '" + argName + "'");
    }
    return registry.outputOffset(substituteAttrs(scope, node), argName);
  }

  private void emitNode(Scope scope, String name) {
    if (scope.done.contains(name)) {
      return;
    }
    if (!scope.inProgress.add(name)) {
      throw new IllegalArgumentException("Cycle in the graph at node '" + scope.flatName(name) + "'");
    }
    NodeDef node = scope.nodes.get(name);
    if (node == null) {
      throw new IllegalArgumentException("No node named '" + name + "' under '" + scope.prefix + "'");
    }
    if (isCall(node)) {
      inlineCall(scope, node);
    } else {
      copyNode(scope, node);
    }
    scope.inProgress.remove(name);
    scope.done.add(name);
  }

  private void copyNode(Scope scope, NodeDef node) {
    NodeDef substituted = substituteAttrs(scope, node);
    // Colocation hints (_class: loc:@node) name nodes of the function body; the runtime re-derives them.
    NodeDef.Builder copy = substituted.toBuilder().clearInput().setName(scope.flatName(node.getName()))
        .clearDevice().removeAttr("_class");
    boolean hasInputs = false;
    for (String input : node.getInputList()) {
      copy.addInput(resolve(scope, input));
      hasInputs = true;
    }
    if (!hasInputs && scope.inputControl != null) {
      copy.addInput("^" + scope.inputControl);
    }
    add(copy.build());
  }

  private void inlineCall(Scope scope, NodeDef call) {
    FunctionDef function = calledFunction(call);
    OpDef signature = function.getSignature();
    String flatName = scope.flatName(call.getName());
    List<String> dataInputs = new ArrayList<>();
    List<String> controlInputs = new ArrayList<>();
    for (String input : call.getInputList()) {
      String resolved = resolve(scope, input);
      (resolved.startsWith("^") ? controlInputs : dataInputs).add(resolved);
    }
    if (dataInputs.size() != signature.getInputArgCount()) {
      throw new IllegalArgumentException("Call '" + flatName + "' passes " + dataInputs.size()
          + " inputs to '" + signature.getName() + "', which takes " + signature.getInputArgCount()
          + " (list-valued function arguments are not supported)");
    }
    if (dataInputs.isEmpty() && scope.inputControl != null) {
      controlInputs.add("^" + scope.inputControl);
    }
    String innerControl = null;
    if (!controlInputs.isEmpty()) {
      innerControl = flatName + "/graft_input_control";
      add(NodeDef.newBuilder().setName(innerControl).setOp("NoOp").addAllInput(controlInputs).build());
    }
    Map<String, String> args = new HashMap<>();
    for (int i = 0; i < signature.getInputArgCount(); i++) {
      args.put(signature.getInputArg(i).getName(), dataInputs.get(i));
    }
    Map<String, AttrValue> attrs = new HashMap<>(function.getAttrMap());
    attrs.putAll(call.getAttrMap());
    if (call.getAttrMap().containsKey("f")) {
      attrs.putAll(call.getAttrMap().get("f").getFunc().getAttrMap());
    }
    Map<String, NodeDef> body = new LinkedHashMap<>();
    for (NodeDef node : function.getNodeDefList()) {
      body.put(node.getName(), node);
    }
    Scope inner = new Scope(flatName, body, args, innerControl, attrs, true);

    List<String> outputs = new ArrayList<>();
    List<DataType> types = new ArrayList<>();
    for (OpDef.ArgDef output : signature.getOutputArgList()) {
      String ref = function.getRetMap().get(output.getName());
      if (ref == null) {
        throw new IllegalArgumentException("Function '" + signature.getName() + "' does not bind output '" + output.getName() + "'");
      }
      outputs.add(resolve(inner, ref));
      types.add(outputType(output, attrs, signature.getName()));
    }
    List<String> controlRets = new ArrayList<>();
    for (String nodeName : function.getControlRetMap().values()) {
      emitNode(inner, nodeName);
      controlRets.add("^" + inner.flatName(nodeName));
    }
    scope.callOutputs.put(call.getName(), outputs);
    add(resultNode(flatName, outputs, types, controlRets));
  }

  private static NodeDef resultNode(String name, List<String> outputs, List<DataType> types, List<String> controls) {
    NodeDef.Builder node = NodeDef.newBuilder().setName(name);
    if (outputs.isEmpty()) {
      node.setOp("NoOp");
    } else if (outputs.size() == 1) {
      node.setOp("Identity").putAttr("T", AttrValue.newBuilder().setType(types.get(0)).build());
    } else {
      node.setOp("IdentityN").putAttr("T", AttrValue.newBuilder()
          .setList(AttrValue.ListValue.newBuilder().addAllType(types)).build());
    }
    return node.addAllInput(outputs).addAllInput(controls).build();
  }

  private static DataType outputType(OpDef.ArgDef arg, Map<String, AttrValue> attrs, String function) {
    if (arg.getType() != DataType.DT_INVALID) {
      return arg.getType();
    }
    AttrValue type = attrs.get(arg.getTypeAttr());
    if (type == null) {
      throw new IllegalArgumentException("Output '" + arg.getName() + "' of function '" + function
          + "' has a type attr '" + arg.getTypeAttr() + "' that the call does not set");
    }
    return type.getType();
  }

  /** Replaces attr placeholders of a function body node with the values the call binds. */
  private static NodeDef substituteAttrs(Scope scope, NodeDef node) {
    boolean hasPlaceholder = node.getAttrMap().values().stream().anyMatch(v -> !v.getPlaceholder().isEmpty());
    if (!hasPlaceholder) {
      return node;
    }
    NodeDef.Builder builder = node.toBuilder();
    for (Map.Entry<String, AttrValue> entry : node.getAttrMap().entrySet()) {
      String placeholder = entry.getValue().getPlaceholder();
      if (placeholder.isEmpty()) {
        continue;
      }
      AttrValue bound = scope.attrs.get(placeholder);
      if (bound == null) {
        throw new IllegalArgumentException("Node '" + scope.flatName(node.getName()) + "' uses attr placeholder '"
            + placeholder + "', which the enclosing call does not bind");
      }
      builder.putAttr(entry.getKey(), bound);
    }
    return builder.build();
  }

  private void add(NodeDef node) {
    if (!emittedNames.add(node.getName())) {
      throw new IllegalArgumentException("Flattening produced two nodes named '" + node.getName() + "'");
    }
    emitted.add(node);
  }

  private static String nodeOf(String ref) {
    int colon = ref.indexOf(':');
    return colon < 0 ? ref : ref.substring(0, colon);
  }
}
