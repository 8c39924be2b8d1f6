package dev.graft.train;

import java.util.List;
import org.tensorflow.Operand;
import org.tensorflow.Output;
import org.tensorflow.TensorFlow;
import org.tensorflow.op.Ops;
import org.tensorflow.op.core.ResourceGather;
import org.tensorflow.types.TInt32;
import org.tensorflow.types.family.TNumber;
import org.tensorflow.types.family.TType;

/**
 * Gradients for ops that Python exports hold on a training path but TensorFlow's C++ gradient registry (the
 * one TF Java differentiates with) lacks; each computes what Python TensorFlow's registered gradient computes.
 *
 * <ul>
 *   <li>{@code EnsureShape} (Keras 3 writes it after shape-changing image layers such as {@code RandomRotation},
 *       and {@code tf.ensure_shape} inside a model's own layers): the incoming gradient unchanged, as
 *       {@code _EnsureShapeGrad} in TensorFlow's {@code array_grad.py}.
 *   <li>{@code ResourceGather} ({@code tf.gather} on a variable: the embedding lookups of tf-keras and of plain
 *       {@code tf.Module}s): for the variable, the incoming rows summed into the rows they were gathered from, the
 *       dense form of the {@code IndexedSlices} that {@code _GatherGrad} in {@code resource_variable_ops.py} returns;
 *       none for the indices. Graft differentiates such a variable through its handle (see
 *       {@code GraftModel#train}), and only with {@code batch_dims} 0, which Keras always uses.
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
    TensorFlow.registerCustomGradient(ResourceGather.Inputs.class, MissingGradients::resourceGather);
    registered = true;
  }

  @SuppressWarnings("unchecked")
  private static List<Operand<?>> resourceGather(Ops tf, ResourceGather.Inputs op, List<Output<?>> gradients) {
    Operand<TInt32> shape = tf.variableShape(op.resource);
    Operand<TInt32> size = tf.expandDims(tf.size(op.indices), tf.constant(0));
    Operand<TInt32> rowShape = tf.slice(shape, tf.constant(new int[] {1}), tf.constant(new int[] {-1}));
    Operand<TType> rows = tf.reshape((Operand<TType>) gradients.get(0), tf.concat(List.of(size, rowShape), tf.constant(0)));
    Operand<? extends TNumber> indices = tf.reshape(op.indices, size);
    Operand<TInt32> count = tf.slice(shape, tf.constant(new int[] {0}), tf.constant(new int[] {1}));
    Operand<TType> dense = tf.math.unsortedSegmentSum(rows, indices, tf.reshape(count, tf.constant(new long[0])));
    return List.of(dense, tf.zerosLike(op.indices));
  }
}
