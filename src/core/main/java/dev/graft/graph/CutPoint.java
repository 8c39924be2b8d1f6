package dev.graft.graph;

import java.util.List;
import org.tensorflow.Graph;
import org.tensorflow.ndarray.Shape;

/**
 * Where a model's classifier head is cut off: the feature tensor a new head reads, how it is pooled, and what the
 * old head was.
 *
 * @param features the tensor the new head reads ({@code node:index}), before pooling
 * @param featureSize elements per example of {@code features} after {@code pooling}
 * @param logits the old head's logits tensor, or {@code null} when the cut was chosen by the user
 * @param numClasses classes of the old head, or 0 when unknown
 * @param activation the old head's activation: {@code softmax}, {@code sigmoid} or {@code none}
 * @param oldOutput the signature output tensor of the old head
 * @param oldHeadVariables variables that only the old head reads
 * @param layer the layer whose output {@code features} is, or {@code null} when no named layer produces it
 * @param pooling how a feature map at {@code features} becomes one vector per example
 */
public record CutPoint(String features, long featureSize, String logits, int numClasses, String activation,
    String oldOutput, List<String> oldHeadVariables, String layer, Pooling pooling) {

  public CutPoint {
    oldHeadVariables = List.copyOf(oldHeadVariables);
  }

  /** The shape of the feature tensor in {@code graph}, before pooling. */
  public Shape shape(Graph graph) {
    return graph.outputOrThrow(features).shape();
  }

  /** The same cut with another pooling, its feature size recomputed from the tensor's shape in {@code graph}. */
  public CutPoint withPooling(Pooling other, Graph graph) {
    return new CutPoint(features, other.featureSize(shape(graph)), logits, numClasses, activation, oldOutput,
        oldHeadVariables, layer, other);
  }

  /** The layer name when a layer produces the features, else the tensor: how messages name the cut. */
  public String describe() {
    return layer != null ? "layer '" + layer + "'" : "tensor " + features;
  }
}
