package dev.graft.head;

import dev.graft.graph.TensorRef;
import dev.graft.graph.GraphIndex;
import dev.graft.graph.LayerMap;
import java.util.List;
import java.util.Set;
import org.tensorflow.Graph;
import org.tensorflow.ndarray.Shape;
import org.tensorflow.proto.NodeDef;

/**
 * The old classifier layer behind a model's logits: a dense layer (with or without bias) or a 1x1 convolution over
 * a map of one position, with the reshapes or squeezes Keras puts between it and the logits.
 *
 * @param input the tensor it reads
 * @param node the MatMul or Conv2D node
 * @param numClasses its output units
 * @param kernel its kernel variable
 */
record ClassifierLayer(String input, NodeDef node, long numClasses, String kernel) {

  private static final Set<String> ADD_OPS = Set.of("BiasAdd", "Add", "AddV2");
  /** Ops that only reshape a tensor between the classifier layer and the logits. */
  private static final Set<String> SHAPE_OPS = Set.of("Identity", "Snapshot", "Reshape", "Squeeze");

  /** The classifier whose output (optionally plus a bias, then reshaped) is {@code logits}; null when none is. */
  static ClassifierLayer behind(GraphIndex index, Graph graph, String logits) {
    NodeDef node = index.node(TensorRef.opOf(skipShapeOps(index, logits)));
    if (node == null) {
      return null;
    }
    if (ADD_OPS.contains(node.getOp())) {
      for (String input : GraphIndex.dataInputs(node)) {
        NodeDef candidate = index.node(TensorRef.opOf(index.skipIdentities(input)));
        if (candidate != null && (candidate.getOp().equals("MatMul") || candidate.getOp().equals("Conv2D"))) {
          node = candidate;
          break;
        }
      }
    }
    List<String> inputs = GraphIndex.dataInputs(node);
    if (!(node.getOp().equals("MatMul") || node.getOp().equals("Conv2D")) || inputs.size() < 2) {
      return null;
    }
    String kernel = index.variableRead(inputs.get(1));
    if (kernel == null) {
      return null;
    }
    long[] shape = index.node(kernel).getAttrMap().get("shape").getShape().getDimList().stream()
        .mapToLong(d -> d.getSize()).toArray();
    String features = TensorRef.canonical(inputs.get(0));
    if (node.getOp().equals("MatMul")) {
      if (attr(node, "transpose_a") || shape.length != 2) {
        return null;
      }
      return new ClassifierLayer(features, node, shape[attr(node, "transpose_b") ? 0 : 1], kernel);
    }
    Shape in = graph.outputOrThrow(features).shape();
    boolean pointwise = shape.length == 4 && shape[0] == 1 && shape[1] == 1;
    boolean onePosition = in.numDimensions() == 4 && in.size(1) == 1 && in.size(2) == 1;
    return pointwise && onePosition ? new ClassifierLayer(features, node, shape[3], kernel) : null;
  }

  /**
   * Where the old head starts: this classifier's input, or, when it sits in a nested model whose other layers are
   * hidden dense layers (Teachable Machine's head), the input of that nested model.
   */
  String oldHeadInput(GraphIndex index, LayerMap layers) {
    LayerMap.Layer own = owner(layers, node.getName());
    if (own == null || !own.scope().contains("/")) {
      return input;
    }
    String container = own.scope().substring(0, own.scope().lastIndexOf('/'));
    boolean nested = layers.layers().stream().anyMatch(l -> !l.scope().startsWith(container + "/"));
    String tensor = input;
    boolean skipped = false;
    while (nested) {
      LayerMap.Layer layer = layers.producing(tensor);
      if (layer == null || !layer.scope().startsWith(container + "/")) {
        break;
      }
      String denseInput = denseInput(index, layer);
      if (denseInput == null) {
        return input;
      }
      tensor = denseInput;
      skipped = true;
    }
    return skipped && layers.producing(tensor) != null ? tensor : input;
  }

  /** The input of the MatMul of a dense layer, or null when the layer is not one. */
  private static String denseInput(GraphIndex index, LayerMap.Layer layer) {
    for (String name : index.order()) {
      NodeDef n = index.node(name);
      if (name.startsWith(layer.scope() + "/") && n.getOp().equals("MatMul")
          && index.variableRead(GraphIndex.dataInputs(n).get(1)) != null) {
        return TensorRef.canonical(GraphIndex.dataInputs(n).get(0));
      }
    }
    return null;
  }

  private static LayerMap.Layer owner(LayerMap layers, String node) {
    for (LayerMap.Layer layer : layers.layers()) {
      if (node.startsWith(layer.scope() + "/")) {
        return layer;
      }
    }
    return null;
  }

  private static String skipShapeOps(GraphIndex index, String tensor) {
    String current = tensor;
    while (true) {
      NodeDef n = index.node(TensorRef.opOf(current));
      if (n == null || !SHAPE_OPS.contains(n.getOp())) {
        return current;
      }
      current = GraphIndex.dataInputs(n).get(0);
    }
  }

  private static boolean attr(NodeDef node, String name) {
    return node.getAttrMap().containsKey(name) && node.getAttrMap().get(name).getB();
  }
}
