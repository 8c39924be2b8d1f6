package dev.graft.train;

import java.util.List;
import org.tensorflow.TensorFlow;

/**
 * Gradients for ops that Python exports hold on a training path but TensorFlow's C++ gradient registry (the
 * one TF Java differentiates with) lacks; each computes what Python TensorFlow's registered gradient computes.
 *
 * <ul>
 *   <li>{@code EnsureShape} (Keras 3 writes it after shape-changing image layers such as {@code RandomRotation},
 *       and {@code tf.ensure_shape} inside a model's own layers): the incoming gradient unchanged, as
 *       {@code _EnsureShapeGrad} in TensorFlow's {@code array_grad.py}.
 * </ul>
 *
 * <p>MobileNetV2, EfficientNetB0, ResNet50V2, MobileNet and the small Keras CNNs need none of them: every op of
 * theirs between a variable and the loss has a C++ gradient.
 */
final class MissingGradients {

  private static boolean registered;

  private MissingGradients() {}

  /** Registers the gradients once per process; an op that already has one keeps it. */
  static synchronized void register() {
    if (registered) {
      return;
    }
    TensorFlow.registerCustomGradient("EnsureShape", (tf, op, gradients) -> List.of(gradients.get(0)));
    registered = true;
  }
}
