package dev.graft.graph;

import java.util.ArrayDeque;
import java.util.ArrayList;
import java.util.Collection;
import java.util.Deque;
import java.util.HashMap;
import java.util.HashSet;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.PriorityQueue;
import java.util.Set;
import org.tensorflow.proto.NodeDef;

/**
 * The layers of a flattened Keras (or Keras-like) graph, parameterless ones included, in forward order, each with
 * the tensor it hands to the rest of the model.
 *
 * <p>Layers are found from op name scopes. The layers that own variables anchor the search: the scope that reads a
 * layer's variables names the model (or nested model) holding it and the suffix the exporter added to scopes
 * (Keras 3 names the ops of layer {@code conv} under {@code conv_1}); every other scope directly inside such a model
 * is a parameterless layer (activations, pooling, reshapes, dropout). Graphs without named layers (a plain
 * {@code tf.Module}) have none.
 *
 * <pre>{@code
 * LayerMap layers = LayerMap.of(index, variableLayers, "serving_default_x:0", "StatefulPartitionedCall:0");
 * LayerMap.Layer gap = layers.find("global_average_pooling2d");
 * }</pre>
 */
public final class LayerMap {

  /**
   * One layer.
   *
   * @param name the layer's name as the model gave it ({@code conv_pw_13_relu})
   * @param scope the op name scope of its ops in the flattened graph
   * @param output the tensor the layer hands on ({@code node:index})
   * @param hasVariables whether the layer owns variables
   */
  public record Layer(String name, String scope, String output, boolean hasVariables) {}

  private final List<Layer> layers;
  /** Layers by their output with pass-through ops skipped. */
  private final Map<String, Layer> byOutput = new HashMap<>();
  private final GraphIndex index;

  private LayerMap(List<Layer> layers, GraphIndex index) {
    this.layers = List.copyOf(layers);
    this.index = index;
    for (Layer layer : layers) {
      byOutput.putIfAbsent(canonical(layer.output()), layer);
    }
  }

  /**
   * Finds the layers between {@code input} and {@code output}.
   *
   * @param index the flattened graph
   * @param variableLayers the layers owning variables, as variable names give them ({@code dense},
   *     {@code sequential_3/dense_Dense1})
   * @param input the model input tensor
   * @param output the model output tensor
   */
  public static LayerMap of(GraphIndex index, Collection<String> variableLayers, String input, String output) {
    Set<String> path = dataPath(index, input, output);
    Set<String> containers = new HashSet<>();
    Map<String, String> anchoredScopes = new HashMap<>();
    Map<String, Integer> suffixVotes = new HashMap<>();
    for (String name : index.order()) {
      String leaf = variableLeaf(index, index.node(name), variableLayers);
      if (leaf == null) {
        continue;
      }
      String[] segments = name.split("/");
      for (int i = 0; i < segments.length - 1; i++) {
        if (segments[i].equals(leaf) || segments[i].matches(java.util.regex.Pattern.quote(leaf) + "_\\d+")) {
          String container = String.join("/", java.util.Arrays.copyOfRange(segments, 0, i));
          containers.add(container);
          anchoredScopes.put(container.isEmpty() ? segments[i] : container + "/" + segments[i], leaf);
          suffixVotes.merge(segments[i].substring(leaf.length()), 1, Integer::sum);
          break;
        }
      }
    }
    if (containers.isEmpty()) {
      return new LayerMap(List.of(), index);
    }
    for (String c : List.copyOf(containers)) {
      for (int slash = c.lastIndexOf('/'); slash > 0; slash = c.lastIndexOf('/', slash - 1)) {
        containers.add(c.substring(0, slash));
      }
    }
    String suffix = suffixVotes.entrySet().stream().max(Map.Entry.comparingByValue()).map(Map.Entry::getKey)
        .orElse("");
    List<String> topo = topologicalOrder(index, path);
    Map<String, List<String>> members = new LinkedHashMap<>();
    for (String name : topo) {
      String scope = layerScope(name, containers);
      if (scope != null) {
        members.computeIfAbsent(scope, k -> new ArrayList<>()).add(name);
      }
    }
    Map<String, Integer> position = new HashMap<>();
    for (int i = 0; i < topo.size(); i++) {
      position.put(topo.get(i), i);
    }
    List<Layer> found = new ArrayList<>();
    Map<String, Integer> outputAt = new HashMap<>();
    for (Map.Entry<String, List<String>> e : members.entrySet()) {
      String out = outputOf(index, e.getKey(), e.getValue(), path);
      if (out == null) {
        continue;
      }
      String leafScope = e.getKey().substring(e.getKey().lastIndexOf('/') + 1);
      String name = anchoredScopes.containsKey(e.getKey()) ? anchoredScopes.get(e.getKey())
          : !suffix.isEmpty() && leafScope.endsWith(suffix) ? leafScope.substring(0, leafScope.length() - suffix.length())
          : leafScope;
      found.add(new Layer(name, e.getKey(), out, anchoredScopes.containsKey(e.getKey())));
      outputAt.put(e.getKey(), position.get(TensorRef.opOf(out)));
    }
    found.sort((a, b) -> Integer.compare(outputAt.get(a.scope()), outputAt.get(b.scope())));
    return new LayerMap(found, index);
  }

  /** Every layer, input to output. */
  public List<Layer> layers() {
    return layers;
  }

  /**
   * The layer called {@code name} (its own name, or its scope), or null. A name that two layers share in different
   * nested models matches neither; their scopes tell them apart.
   */
  public Layer find(String name) {
    Layer match = null;
    for (Layer layer : layers) {
      if (layer.scope().equals(name)) {
        return layer;
      }
      if (layer.name().equals(name) || layer.scope().endsWith("/" + name)) {
        if (match != null) {
          return null;
        }
        match = layer;
      }
    }
    if (match == null && name.contains("/")) {
      return find(name.substring(name.lastIndexOf('/') + 1));
    }
    return match;
  }

  /** The layer whose output is {@code tensor} (pass-through ops on either side aside), or null. */
  public Layer producing(String tensor) {
    return byOutput.get(canonical(tensor));
  }

  private String canonical(String tensor) {
    String t = index.skipIdentities(tensor);
    return TensorRef.canonical(t);
  }

  /** For a {@code ReadVariableOp} of a layer's variable, the layer's own name (last path segment); else null. */
  private static String variableLeaf(GraphIndex index, NodeDef read, Collection<String> variableLayers) {
    if (!read.getOp().equals("ReadVariableOp") || GraphIndex.dataInputs(read).isEmpty()) {
      return null;
    }
    NodeDef handle = index.node(TensorRef.opOf(index.skipIdentities(GraphIndex.dataInputs(read).get(0))));
    if (handle == null || !handle.getOp().equals("VarHandleOp")) {
      return null;
    }
    String name = handle.getName();
    int slash = name.lastIndexOf('/');
    if (slash <= 0 || !variableLayers.contains(name.substring(0, slash))) {
      return null;
    }
    String layer = name.substring(0, slash);
    return layer.substring(layer.lastIndexOf('/') + 1);
  }

  /** The scope of the layer an op belongs to: the segment after the innermost model holding it; null if none. */
  private static String layerScope(String name, Set<String> containers) {
    String best = null;
    for (int slash = name.indexOf('/'); slash > 0; slash = name.indexOf('/', slash + 1)) {
      if (containers.contains(name.substring(0, slash))) {
        best = name.substring(0, slash);
      }
    }
    String rest = best == null ? name : name.substring(best.length() + 1);
    int next = rest.indexOf('/');
    if (next < 0 || (best == null && !containers.contains(""))) {
      return null;
    }
    String scope = best == null ? rest.substring(0, next) : best + "/" + rest.substring(0, next);
    return containers.contains(scope) ? null : scope;
  }

  /** The last member of a layer that an op on the path outside it reads, as {@code node:index}. */
  private static String outputOf(GraphIndex index, String scope, List<String> members, Set<String> path) {
    String last = null;
    for (String name : members) {
      for (NodeDef consumer : index.consumers(name)) {
        if (!path.contains(consumer.getName()) || consumer.getName().startsWith(scope + "/")) {
          continue;
        }
        for (String in : GraphIndex.dataInputs(consumer)) {
          if (TensorRef.opOf(in).equals(name)) {
            last = TensorRef.canonical(in);
          }
        }
      }
    }
    return last;
  }

  /** The nodes that depend on {@code input} and that {@code output} depends on, through data edges. */
  private static Set<String> dataPath(GraphIndex index, String input, String output) {
    Set<String> upstream = new HashSet<>();
    Deque<String> pending = new ArrayDeque<>(List.of(TensorRef.opOf(output)));
    while (!pending.isEmpty()) {
      String name = pending.pop();
      NodeDef node = index.node(name);
      if (node != null && upstream.add(name)) {
        GraphIndex.dataInputs(node).forEach(i -> pending.push(TensorRef.opOf(i)));
      }
    }
    Set<String> path = new HashSet<>();
    pending.push(TensorRef.opOf(input));
    while (!pending.isEmpty()) {
      String name = pending.pop();
      if (upstream.contains(name) && path.add(name)) {
        index.consumers(name).forEach(c -> pending.push(c.getName()));
      }
    }
    return path;
  }

  /** The nodes of {@code path} in an order where every node comes after its inputs; ties keep graph order. */
  private static List<String> topologicalOrder(GraphIndex index, Set<String> path) {
    Map<String, Integer> rank = new HashMap<>();
    List<String> order = index.order();
    for (int i = 0; i < order.size(); i++) {
      rank.put(order.get(i), i);
    }
    Map<String, Integer> waiting = new HashMap<>();
    PriorityQueue<String> ready = new PriorityQueue<>((a, b) -> Integer.compare(rank.get(a), rank.get(b)));
    for (String name : path) {
      int n = 0;
      for (String in : GraphIndex.dataInputs(index.node(name))) {
        if (path.contains(TensorRef.opOf(in))) {
          n++;
        }
      }
      waiting.put(name, n);
      if (n == 0) {
        ready.add(name);
      }
    }
    List<String> sorted = new ArrayList<>();
    while (!ready.isEmpty()) {
      String name = ready.poll();
      sorted.add(name);
      for (String c : consumerNames(index, name)) {
        if (!path.contains(c)) {
          continue;
        }
        NodeDef consumer = index.node(c);
        for (String in : GraphIndex.dataInputs(consumer)) {
          if (TensorRef.opOf(in).equals(name) && waiting.merge(c, -1, Integer::sum) == 0) {
            ready.add(c);
          }
        }
      }
    }
    return sorted;
  }

  private static Set<String> consumerNames(GraphIndex index, String name) {
    Set<String> names = new java.util.LinkedHashSet<>();
    index.consumers(name).forEach(c -> names.add(c.getName()));
    return names;
  }
}
