package dev.graft.train;

import dev.graft.head.Head;
import dev.graft.model.LoadedModel;
import java.util.List;
import java.util.Map;

/**
 * What a {@link Trainer} trains: a graph with a new head, and the backbone it may unfreeze.
 *
 * @param model the model, with the head added to its graph: the owner of the graph and session the trainer uses
 * @param input the model input tensor fed with examples
 * @param features the feature tensor the head reads (fed directly when features are cached)
 * @param featureSize elements per example of {@code features}
 * @param head the new head
 * @param dropout the head's dropout rate while training
 * @param numClasses classes of the head
 * @param layers backbone layers owning trainable variables, input to output
 * @param layerVariables the trainable variables of each of {@code layers}
 * @param backboneReads for each backbone variable, the reads through which the features depend on it
 * @param trainingFlag a boolean placeholder fed true in training steps (batch norm in training mode), or null
 * @param stateUpdates for a trained variable, ops to run with its update (moving statistics of its layer)
 * @param stateVariables variables those ops write (kept in checkpoints and best weights)
 * @param identity what identifies the model, head and data of the run beside its {@link TrainConfig} (source model
 *     fingerprint, cut, head, classes, preprocessing), by option name: checkpoints record it and a resumed run must
 *     match it
 */
public record TrainTarget(LoadedModel model, String input, String features, long featureSize,
    Head head, float dropout, int numClasses, List<String> layers, List<List<String>> layerVariables,
    Map<String, List<String>> backboneReads, String trainingFlag, Map<String, List<String>> stateUpdates,
    List<String> stateVariables, Map<String, String> identity) {

  public TrainTarget {
    identity = Map.copyOf(identity);
  }

  /** The graph holding model and head (the model's; valid while it is open). */
  public org.tensorflow.Graph graph() {
    return model.graph();
  }
}
