package dev.graft.graph;

import java.util.ArrayList;
import java.util.List;
import java.util.Set;
import org.tensorflow.Graph;
import org.tensorflow.ndarray.Shape;
import org.tensorflow.proto.DataType;
import org.tensorflow.proto.NodeDef;

/**
 * Where a new head could read from: every named layer's output with the features it gives, and the few nearest the
 * old head that the cut search scores.
 *
 * <pre>{@code
 * List<CutCandidates.Candidate> all = CutCandidates.all(layers, graph, cut);
 * List<CutCandidates.Candidate> scored = CutCandidates.nearestHead(layers, index, graph, cut, 4);
 * }</pre>
 */
public final class CutCandidates {

  /** Ops that change a tensor's layout or mix its positions: a layer holding one is more than an activation. */
  private static final Set<String> TRANSFORMS = Set.of("Conv2D", "DepthwiseConv2dNative", "MatMul", "BatchMatMulV2",
      "Einsum", "MaxPool", "MaxPoolV2", "AvgPool", "Mean", "Max", "Reshape", "ConcatV2", "Pad", "MirrorPad", "Squeeze",
      "ExpandDims", "Transpose", "Conv3D", "MaxPool3D", "AvgPool3D");

  /** Where a layer stands relative to the cut. */
  public enum Role {
    /** Before the cut: part of the backbone that stays. */
    BACKBONE,
    /** The cut itself. */
    CUT,
    /** After the cut: replaced with the old head. */
    OLD_HEAD
  }

  /**
   * One layer output a head could read.
   *
   * @param layer the layer's name
   * @param tensor its output tensor
   * @param shape the output's shape, batch first
   * @param featureSize features per example after pooling, or -1 when the output cannot feed a head (unknown
   *     sizes, rank below 2, not float)
   * @param hasVariables whether the layer owns variables
   * @param role where it stands relative to the cut
   */
  public record Candidate(String layer, String tensor, Shape shape, long featureSize, boolean hasVariables,
      Role role) {}

  private CutCandidates() {}

  /** Every layer, input to output; feature sizes use the cut's pooling, roles its feature tensor. */
  public static List<Candidate> all(LayerMap layers, GraphIndex index, Graph graph, CutPoint cut) {
    Set<String> beforeCut = index.ancestors(List.of(cut.features()));
    LayerMap.Layer cutLayer = layers.producing(cut.features());
    List<Candidate> all = new ArrayList<>();
    for (LayerMap.Layer layer : layers.layers()) {
      Role role = layer.equals(cutLayer) ? Role.CUT
          : beforeCut.contains(TensorRef.opOf(layer.output())) ? Role.BACKBONE : Role.OLD_HEAD;
      all.add(candidate(layer, graph, cut.pooling(), role));
    }
    return all;
  }

  /**
   * Up to {@code max} layer outputs a head can read, nearest the old head first: the cut itself (the old head's
   * input) and the layers before it, leaving out outputs that the next layer only normalizes or activates (a
   * convolution before its batch norm, a batch norm before its ReLU), whose activated form is the better feature.
   */
  public static List<Candidate> nearestHead(LayerMap layers, GraphIndex index, Graph graph, CutPoint cut, int max) {
    Set<String> upstream = index.ancestors(List.of(cut.features()));
    List<Candidate> found = new ArrayList<>();
    List<LayerMap.Layer> all = layers.layers();
    for (int i = all.size() - 1; i >= 0 && found.size() < max; i--) {
      LayerMap.Layer layer = all.get(i);
      if (!upstream.contains(TensorRef.opOf(layer.output())) || onlyActivated(layer, layers, index, graph)) {
        continue;
      }
      Candidate c = candidate(layer, graph, cut.pooling(), Role.BACKBONE);
      if (c.featureSize() > 0) {
        found.add(c);
      }
    }
    return found;
  }

  private static Candidate candidate(LayerMap.Layer layer, Graph graph, Pooling pooling, Role role) {
    var output = graph.outputOrThrow(layer.output());
    Shape shape = output.shape();
    long size = -1;
    if (output.dataType() == DataType.DT_FLOAT) {
      try {
        size = shape.numDimensions() <= 4 ? pooling.featureSize(shape) : -1;
      } catch (IllegalArgumentException e) {
        size = -1;
      }
    }
    return new Candidate(layer.name(), layer.output(), shape, size, layer.hasVariables(), role);
  }

  /** Whether every reader of the layer's output is one next layer that only normalizes or activates it. */
  private static boolean onlyActivated(LayerMap.Layer layer, LayerMap layers, GraphIndex index, Graph graph) {
    String node = TensorRef.opOf(layer.output());
    LayerMap.Layer next = null;
    for (NodeDef consumer : index.consumers(node)) {
      LayerMap.Layer reader = owner(layers, consumer.getName());
      if (reader == null || (next != null && !next.equals(reader))) {
        return false;
      }
      next = reader;
    }
    if (next == null || !java.util.Arrays.equals(graph.outputOrThrow(next.output()).shape().asArray(),
        graph.outputOrThrow(layer.output()).shape().asArray())) {
      return false;
    }
    for (String name : index.order()) {
      if (name.startsWith(next.scope() + "/") && TRANSFORMS.contains(index.node(name).getOp())) {
        return false;
      }
    }
    return true;
  }

  private static LayerMap.Layer owner(LayerMap layers, String node) {
    for (LayerMap.Layer layer : layers.layers()) {
      if (node.startsWith(layer.scope() + "/")) {
        return layer;
      }
    }
    return null;
  }
}
