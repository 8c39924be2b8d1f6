package dev.graft.graph;

import java.util.List;

/**
 * Where a model's classifier head is cut off: the feature tensor a new head reads, and what the
 * old head was.
 *
 * @param features the tensor the new head reads ({@code node:index})
 * @param featureSize elements per example of {@code features}
 * @param logits the old head's logits tensor, or {@code null} when the cut was chosen by the user
 * @param numClasses classes of the old head, or 0 when unknown
 * @param activation the old head's activation: {@code softmax}, {@code sigmoid} or {@code none}
 * @param oldOutput the signature output tensor of the old head
 * @param oldHeadVariables variables that only the old head reads
 */
public record CutPoint(String features, long featureSize, String logits, int numClasses, String activation,
    String oldOutput, List<String> oldHeadVariables) {

  /** The node that produces the feature tensor. */
  public String featureNode() {
    return GraphIndex.nodeOf(features);
  }
}
