package dev.graft.graph;

import java.util.ArrayDeque;
import java.util.ArrayList;
import java.util.Deque;
import java.util.HashMap;
import java.util.LinkedHashSet;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.function.Predicate;
import org.tensorflow.proto.GraphDef;
import org.tensorflow.proto.NodeDef;

/** Lookups over a flat GraphDef: nodes by name, producers of tensors, consumers and ancestors. */
public final class GraphIndex {

  private final Map<String, NodeDef> nodes = new HashMap<>();
  private final Map<String, List<NodeDef>> consumers = new HashMap<>();
  private final List<String> order = new ArrayList<>();

  public GraphIndex(GraphDef graph) {
    for (NodeDef node : graph.getNodeList()) {
      nodes.put(node.getName(), node);
      order.add(node.getName());
    }
    for (NodeDef node : graph.getNodeList()) {
      for (String input : node.getInputList()) {
        if (!input.startsWith("^")) {
          consumers.computeIfAbsent(TensorRef.opOf(input), k -> new ArrayList<>()).add(node);
        }
      }
    }
  }

  /** The node of this name, or null. */
  public NodeDef node(String name) {
    return nodes.get(name);
  }

  /** Node names in graph order. */
  public List<String> order() {
    return order;
  }

  /** Nodes that read any output of the named node as data. */
  public List<NodeDef> consumers(String name) {
    return consumers.getOrDefault(name, List.of());
  }

  /** Data inputs of a node (control inputs left out). */
  public static List<String> dataInputs(NodeDef node) {
    return node.getInputList().stream().filter(i -> !i.startsWith("^")).toList();
  }

  /** Every node the named tensors depend on (data and control), themselves included. */
  public Set<String> ancestors(List<String> tensors) {
    Set<String> seen = new LinkedHashSet<>();
    Deque<String> pending = new ArrayDeque<>();
    tensors.forEach(t -> pending.push(TensorRef.opOf(t)));
    while (!pending.isEmpty()) {
      String name = pending.pop();
      NodeDef node = nodes.get(name);
      if (node == null || !seen.add(name)) {
        continue;
      }
      for (String input : node.getInputList()) {
        pending.push(TensorRef.opOf(input));
      }
    }
    return seen;
  }

  /**
   * Follows pass-through ops ({@code Identity}, {@code Snapshot}) upward from a tensor to the
   * tensor that really produces it.
   */
  public String skipIdentities(String tensor) {
    String current = tensor;
    while (true) {
      NodeDef node = nodes.get(TensorRef.opOf(current));
      if (node == null || !(node.getOp().equals("Identity") || node.getOp().equals("Snapshot"))) {
        return current;
      }
      current = dataInputs(node).get(0);
    }
  }

  /** The variable a tensor reads, through {@code ReadVariableOp} and identities; null if none. */
  public String variableRead(String tensor) {
    NodeDef node = nodes.get(TensorRef.opOf(skipIdentities(tensor)));
    if (node == null || !node.getOp().equals("ReadVariableOp") || dataInputs(node).isEmpty()) {
      return null;
    }
    NodeDef handle = nodes.get(TensorRef.opOf(skipIdentities(dataInputs(node).get(0))));
    return handle != null && handle.getOp().equals("VarHandleOp") ? handle.getName() : null;
  }

  /**
   * The values read of {@code variable}: the outputs of the {@code ReadVariableOp}s that read its handle, in graph
   * order, of those nodes {@code within} accepts (by name). Where a loss's gradient with respect to the variable is
   * taken.
   */
  public List<String> readsOf(String variable, Predicate<String> within) {
    List<String> reads = new ArrayList<>();
    for (NodeDef consumer : consumers(variable)) {
      if (consumer.getOp().equals("ReadVariableOp") && within.test(consumer.getName())) {
        reads.add(new TensorRef(consumer.getName(), 0).toString());
      }
    }
    return reads;
  }
}
