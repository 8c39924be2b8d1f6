package dev.graft.graph;

import dev.graft.error.GraftException;
import dev.graft.model.SignatureInfo;
import dev.graft.model.TensorSpec;
import java.util.ArrayList;
import java.util.LinkedHashSet;
import java.util.List;
import java.util.Set;
import org.tensorflow.Graph;
import org.tensorflow.GraphOperation;
import org.tensorflow.ndarray.Shape;
import org.tensorflow.proto.DataType;
import org.tensorflow.proto.NodeDef;

/**
 * Finds the classifier head of a flattened model: the logits behind the final Softmax/Sigmoid (or
 * the raw logits output), and the feature tensor that the last dense layer's MatMul reads.
 *
 * <pre>{@code
 * CutPoint cut = HeadLocator.locate(model.flatGraph(), model.graph(), model.signature(), Override.none());
 * }</pre>
 */
public final class HeadLocator {

  private static final Set<String> ADD_OPS = Set.of("BiasAdd", "Add", "AddV2");

  /** A user's choice of cut, overriding the search: an op output, or the output of a named layer. */
  public record Override(String cutAt, String cutLayer) {
    /** No override: locate the head automatically. */
    public static Override none() {
      return new Override(null, null);
    }

    /** Cut at the output of the named layer. */
    public static Override layer(String name) {
      return new Override(null, name);
    }

    /** Cut at an op output, {@code OP[:INDEX]}. */
    public static Override op(String cutAt) {
      return new Override(cutAt, null);
    }
  }

  private final GraphIndex index;
  private final Graph graph;
  private final SignatureInfo signature;

  private HeadLocator(GraphIndex index, Graph graph, SignatureInfo signature) {
    this.index = index;
    this.graph = graph;
    this.signature = signature;
  }

  /**
   * Locates the head.
   *
   * @throws GraftException when the model has no classifier head Graft can swap, listing candidates
   */
  public static CutPoint locate(GraphIndex index, Graph graph, SignatureInfo signature, Override override) {
    return new HeadLocator(index, graph, signature).locate(override);
  }

  private CutPoint locate(Override override) {
    TensorSpec output = classifierOutput();
    String produced = index.skipIdentities(output.tensor());
    NodeDef producer = index.node(GraphIndex.nodeOf(produced));
    String activation = switch (producer.getOp()) {
      case "Softmax" -> "softmax";
      case "Sigmoid" -> "sigmoid";
      default -> "none";
    };
    String logits = activation.equals("none") ? produced : GraphIndex.dataInputs(producer).get(0);
    if (override.cutAt() != null) {
      return userCut(resolveCutAt(override.cutAt()), output, logits, activation);
    }
    if (override.cutLayer() != null) {
      return userCut(layerOutput(override.cutLayer()), output, logits, activation);
    }
    Dense dense = denseBehind(logits);
    if (dense == null) {
      NodeDef logitsNode = index.node(GraphIndex.nodeOf(index.skipIdentities(logits)));
      throw new GraftException("No dense classifier layer found behind output '" + output.key() + "' of signature '"
          + signature.key() + "': its logits come from op '" + logitsNode.getName() + "' (" + logitsNode.getOp()
          + "). Pass --cut-at <op>[:index] or --cut-layer <name> to choose the feature tensor; candidates: "
          + candidates());
    }
    long numClasses = dense.kernelShape[dense.transposeB ? 0 : 1];
    long featureSize = dense.kernelShape[dense.transposeB ? 1 : 0];
    return new CutPoint(dense.features, featureSize, logits, (int) numClasses, activation, output.tensor(),
        oldHeadVariables(dense.features, output.tensor()));
  }

  private TensorSpec classifierOutput() {
    List<TensorSpec> floats = signature.outputs().stream().filter(t -> t.dtype() == DataType.DT_FLOAT).toList();
    if (floats.isEmpty()) {
      throw new GraftException("Signature '" + signature.key() + "' has no float output, so no classifier head: "
          + signature.outputs() + ". Graft retrains classifiers whose output is float [N, classes].");
    }
    TensorSpec chosen = floats.size() == 1 ? floats.get(0) : floats.stream()
        .filter(t -> List.of("probabilities", "scores", "predictions", "logits").contains(t.key()))
        .findFirst().orElse(floats.get(0));
    int rank = chosen.rank() >= 0 ? chosen.rank() : graphRank(chosen.tensor());
    if (rank != 2) {
      String what = rank > 2 ? "a per-token head of shape " + chosen.shapeString()
          + " (one prediction per position, as sequence taggers have)" : "a tensor of rank " + rank
          + (rank < 0 ? " (unknown)" : "") + " " + chosen.shapeString();
      throw new GraftException("Signature '" + signature.key() + "' output '" + chosen.key() + "' is " + what
          + ", not a per-example classifier output [N, classes]; Graft swaps only such heads. "
          + "Candidates for --cut-at: " + candidates());
    }
    return chosen;
  }

  private int graphRank(String tensor) {
    GraphOperation op = graph.operation(GraphIndex.nodeOf(tensor));
    return op == null ? -1 : op.output(GraphIndex.indexOf(tensor)).shape().numDimensions();
  }

  private record Dense(String features, long[] kernelShape, boolean transposeB, String kernel) {}

  /** The dense layer whose output (optionally plus a bias) is {@code logits}. */
  private Dense denseBehind(String logits) {
    String tensor = index.skipIdentities(logits);
    NodeDef node = index.node(GraphIndex.nodeOf(tensor));
    if (ADD_OPS.contains(node.getOp())) {
      for (String input : GraphIndex.dataInputs(node)) {
        NodeDef candidate = index.node(GraphIndex.nodeOf(index.skipIdentities(input)));
        if (candidate != null && candidate.getOp().equals("MatMul")) {
          node = candidate;
          break;
        }
      }
    }
    if (!node.getOp().equals("MatMul")) {
      return null;
    }
    List<String> inputs = GraphIndex.dataInputs(node);
    String kernel = index.variableRead(inputs.get(1));
    if (kernel == null) {
      return null;
    }
    boolean transposeA = node.getAttrMap().containsKey("transpose_a") && node.getAttrMap().get("transpose_a").getB();
    if (transposeA) {
      return null;
    }
    boolean transposeB = node.getAttrMap().containsKey("transpose_b") && node.getAttrMap().get("transpose_b").getB();
    long[] shape = index.node(kernel).getAttrMap().get("shape").getShape().getDimList().stream()
        .mapToLong(d -> d.getSize()).toArray();
    return new Dense(inputs.get(0), shape, transposeB, kernel);
  }

  private CutPoint userCut(String features, TensorSpec output, String logits, String activation) {
    GraphOperation op = graph.operation(GraphIndex.nodeOf(features));
    Shape shape = op.output(GraphIndex.indexOf(features)).shape();
    if (shape.isUnknown() || shape.numDimensions() < 2) {
      throw new GraftException("Cut tensor '" + features + "' has shape " + shape
          + "; a head needs a batch of feature vectors [N, features] (or [N, ...] with known sizes).");
    }
    long size = 1;
    for (int d = 1; d < shape.numDimensions(); d++) {
      if (shape.size(d) < 0) {
        throw new GraftException("Cut tensor '" + features + "' has shape " + shape
            + " with an unknown size past the batch dimension; choose a tensor whose feature sizes are known.");
      }
      size *= shape.size(d);
    }
    Dense dense = denseBehind(logits);
    int numClasses = dense == null ? 0 : (int) dense.kernelShape[dense.transposeB ? 0 : 1];
    return new CutPoint(features, size, null, numClasses, activation, output.tensor(),
        oldHeadVariables(features, output.tensor()));
  }

  private String resolveCutAt(String cutAt) {
    String name = GraphIndex.nodeOf(cutAt);
    GraphOperation op = graph.operation(name);
    if (op == null || index.node(name) == null) {
      throw new GraftException("--cut-at names op '" + name + "', which the flattened graph lacks. Candidates: "
          + candidates() + " (see 'graft inspect --ops' for every op).");
    }
    int output = GraphIndex.indexOf(cutAt);
    if (output >= op.numOutputs()) {
      throw new GraftException("--cut-at " + cutAt + ": op '" + name + "' has " + op.numOutputs() + " outputs");
    }
    return name + ":" + output;
  }

  private String layerOutput(String layer) {
    String output = layerOutput(index, layer);
    if (output == null) {
      throw new GraftException("--cut-layer '" + layer + "' names no layer of the model; layers: " + layerNames());
    }
    return output;
  }

  /**
   * The tensor a layer hands to the rest of the model: the last op under the layer's name that an op
   * outside the layer reads; null when no op carries the layer's name.
   */
  public static String layerOutput(GraphIndex index, String layer) {
    String last = null;
    for (String name : index.order()) {
      if (!inLayer(name, layer)) {
        continue;
      }
      for (NodeDef consumer : index.consumers(name)) {
        if (!inLayer(consumer.getName(), layer) && !consumer.getName().startsWith(LoadedModelNames.IO_PREFIX)) {
          for (String input : GraphIndex.dataInputs(consumer)) {
            if (GraphIndex.nodeOf(input).equals(name) && !index.node(name).getOp().equals("VarHandleOp")) {
              last = input.contains(":") ? input : input + ":0";
            }
          }
        }
      }
    }
    return last;
  }

  private static boolean inLayer(String node, String layer) {
    return node.equals(layer) || node.startsWith(layer + "/") || node.contains("/" + layer + "/");
  }

  private List<String> layerNames() {
    Set<String> layers = new LinkedHashSet<>();
    for (String name : index.order()) {
      NodeDef node = index.node(name);
      if (node.getOp().equals("VarHandleOp")) {
        layers.add(name.contains("/") ? name.substring(0, name.lastIndexOf('/')) : name);
      }
    }
    return new ArrayList<>(layers);
  }

  /** Dense and pooling ops that make good cut points, nearest the output first. */
  private List<String> candidates() {
    List<String> found = new ArrayList<>();
    List<String> order = index.order();
    for (int i = order.size() - 1; i >= 0 && found.size() < 8; i--) {
      NodeDef node = index.node(order.get(i));
      if (Set.of("MatMul", "Mean", "AvgPool", "MaxPool", "Reshape", "Relu").contains(node.getOp())) {
        found.add(node.getName() + " (" + node.getOp() + ")");
      }
    }
    return found;
  }

  private List<String> oldHeadVariables(String features, String output) {
    Set<String> backbone = index.ancestors(List.of(features));
    List<String> old = new ArrayList<>();
    for (String name : index.ancestors(List.of(output))) {
      NodeDef node = index.node(name);
      if (node.getOp().equals("VarHandleOp") && !backbone.contains(name)) {
        old.add(name);
      }
    }
    return old;
  }

  /** Names reserved by Graft inside loaded graphs. */
  static final class LoadedModelNames {
    static final String IO_PREFIX = "graft";

    private LoadedModelNames() {}
  }
}
