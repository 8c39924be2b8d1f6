package dev.graft.tools;

import java.util.List;
import org.tensorflow.Operand;
import org.tensorflow.types.TFloat32;

/** One Keras-style layer of a fixture model: its variables and the ops it adds. */
interface Layer {

  /** The Keras layer name ({@code conv2d}, {@code batch_normalization_1}); it prefixes the layer's variables. */
  String name();

  /** The layer's variables, in the order Keras creates them. */
  List<VariableSpec> variables();

  /** Adds the layer's ops on {@code x}; the result is the layer's output. */
  Operand<TFloat32> apply(LayerContext context, Operand<TFloat32> x);

  /** A one-line description for the fixtures' README ({@code Conv2D 3x3x16, same}). */
  String describe();
}
