package dev.graft.tools;

import dev.graft.tools.Layers.Activation;
import java.util.ArrayList;
import java.util.List;
import org.tensorflow.Graph;
import org.tensorflow.Operand;
import org.tensorflow.op.Op;
import org.tensorflow.op.Ops;
import org.tensorflow.types.TFloat32;

/**
 * A fixture model: Keras-style layers from a {@code [-1,28,28,1]} image to {@code numClasses} scores.
 *
 * @param name the folder the model is written to under {@code savedmodels/}
 * @param layers the layers in order
 * @param numClasses how many Fashion-MNIST classes it tells apart
 * @param layout how it is written
 */
record FixtureModel(String name, List<Layer> layers, int numClasses, Layout layout) {

  /** The SavedModel layout a fixture is written in. */
  enum Layout {
    /** Python's {@code tf.saved_model.save} of a Keras model: resource variables and nested functions ({@link Tf2Export}). */
    TF2_KERAS,
    /** A TF1 graph: reference variables, no functions, a saver ({@link Tf1Export}). */
    TF1_GRAPH
  }

  /** Classes 0-4: T-shirt/top, Trouser, Pullover, Dress, Coat. */
  static final int NUM_CLASSES = 5;

  /**
   * Conv(3x3,16)+BN+ReLU+MaxPool, Conv(3x3,32)+BN+ReLU+MaxPool, Flatten, Dense(64, relu),
   * Dense(5, softmax).
   */
  static FixtureModel fashionCnn() {
    return new FixtureModel("fashion_cnn", List.of(
        new Layers.Conv2D("conv2d", 1, 16),
        new Layers.BatchNorm("batch_normalization", 16),
        new Layers.ReLU("re_lu"),
        new Layers.MaxPool("max_pooling2d"),
        new Layers.Conv2D("conv2d_1", 16, 32),
        new Layers.BatchNorm("batch_normalization_1", 32),
        new Layers.ReLU("re_lu_1"),
        new Layers.MaxPool("max_pooling2d_1"),
        new Layers.Flatten("flatten", 7 * 7 * 32),
        new Layers.Dense("dense", 7 * 7 * 32, 64, Activation.RELU),
        new Layers.Dense("dense_1", 64, NUM_CLASSES, Activation.SOFTMAX)), NUM_CLASSES, Layout.TF2_KERAS);
  }

  /** Flatten, Dense(128, relu), Dense(5) returning logits. */
  static FixtureModel fashionMlp() {
    return new FixtureModel("fashion_mlp_tf1", List.of(
        new Layers.Flatten("flatten", 28 * 28),
        new Layers.Dense("dense", 28 * 28, 128, Activation.RELU),
        new Layers.Dense("dense_1", 128, NUM_CLASSES, Activation.NONE)), NUM_CLASSES, Layout.TF1_GRAPH);
  }

  /** All variables of all layers, in layer order. */
  List<VariableSpec> variables() {
    return layers.stream().flatMap(l -> l.variables().stream()).toList();
  }

  /**
   * Adds the forward pass on {@code input}: layer {@code l} goes under the name scope
   * {@code <scope>/<l.name()>} (just {@code l.name()} when {@code scope} is empty). Returns each
   * layer's output, in layer order.
   */
  List<Operand<TFloat32>> forward(Graph graph, String scope, Operand<TFloat32> input, LayerContext.Reads reads,
      boolean training, List<Op> updates) {
    Ops tf = Ops.create(graph);
    Ops parent = scope.isEmpty() ? tf : tf.withSubScope(scope);
    List<Operand<TFloat32>> outputs = new ArrayList<>();
    Operand<TFloat32> x = input;
    for (Layer layer : layers) {
      String prefix = scope.isEmpty() ? layer.name() : scope + "/" + layer.name();
      LayerContext context = new LayerContext(graph, parent.withSubScope(layer.name()), prefix, reads, training, updates);
      x = layer.apply(context, x);
      outputs.add(x);
    }
    return outputs;
  }
}
