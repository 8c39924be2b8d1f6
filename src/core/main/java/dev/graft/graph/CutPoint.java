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
 * @param activation what the old head applied to its logits
 * @param oldOutput the signature output tensor of the old head
 * @param oldHeadVariables variables that only the old head reads
 * @param layer the layer whose output {@code features} is, or {@code null} when no named layer produces it
 * @param pooling how a feature map at {@code features} becomes one vector per example
 */
public record CutPoint(String features, long featureSize, String logits, int numClasses, Activation activation,
    String oldOutput, List<String> oldHeadVariables, String layer, Pooling pooling) {

  /** What the old head applied to its logits, found from the op that makes the signature's output. */
  public enum Activation {
    /** {@code Softmax}: the output is class probabilities. */
    SOFTMAX("softmax"),
    /** {@code Sigmoid}: the output is one probability per class. */
    SIGMOID("sigmoid"),
    /** Neither: the output is the logits themselves. */
    NONE("none");

    private final String id;

    Activation(String id) {
      this.id = id;
    }

    /** The activation of an output made by an op of type {@code opType}: softmax, sigmoid, or none for any other. */
    public static Activation ofOp(String opType) {
      return switch (opType) {
        case "Softmax" -> SOFTMAX;
        case "Sigmoid" -> SIGMOID;
        default -> NONE;
      };
    }

    /** The name reports and {@code graft.json} use: {@code softmax}, {@code sigmoid} or {@code none}. */
    public String id() {
      return id;
    }

    @Override
    public String toString() {
      return id;
    }
  }

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
