package dev.graft.train;

import dev.graft.graph.internal.GraphEdges;
import java.util.Iterator;
import java.util.Optional;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;
import org.tensorflow.Graph;
import org.tensorflow.GraphOperation;
import org.tensorflow.Output;

/**
 * Makes the gradients of {@code Relu} and {@code Relu6} that TensorFlow's C++ gradient registry builds read what
 * Python TensorFlow's read, by moving one edge of each; the values they compute do not change, bit for bit.
 *
 * <p>The C++ gradients ({@code ReluGrad}, {@code Relu6Grad}) read the activation's input, Python's its output. The
 * input is the batch norm's or convolution's output, which no other gradient needs, so the C++ form keeps a second
 * tensor of the activation's size per layer alive until the backward pass reaches it. Both ops compute the same mask
 * from either ({@code 0 < x} iff {@code 0 < relu(x)}, {@code x < 6} iff {@code relu6(x) < 6}), so they now read the
 * output, which the next layer's gradient keeps anyway. Measured on MobileNetV2's {@code all} fine-tune, batch 32:
 * peak RSS 3594 -> 3315-3363 MiB in paired runs (README, "Benchmark").
 *
 * <p>Tried and left out, measured: EfficientNet's swish ({@code y = x * sigmoid(x)}, whose C++ gradients keep
 * {@code x} and the sigmoid {@code s}): recomputing the sigmoid in the backward pass as Python's {@code tf.nn.silu}
 * does made its {@code all} fine-tune 30% slower; computing the sigmoid's gradient as {@code dy * y - dy * y * s},
 * every op of it waiting for {@code dy}, so that no op of the step reads {@code x} after the forward pass (checked
 * over the ops the step runs), left the job's peak RSS where it was (4967 and 4977 MiB against 4964 and 4975 in
 * paired runs), so neither is done.
 */
final class LeanBackward {

  private static final Logger LOG = LoggerFactory.getLogger(LeanBackward.class);
  private static volatile boolean warned;

  private LeanBackward() {}

  /**
   * Edits the gradient ops under {@code scope} (just added, never run); returns how many it moved. Where the
   * graph's edges cannot be edited in this JVM (see {@link GraphEdges}), leaves the graph as it is and logs why once.
   */
  static int apply(Graph graph, String scope) {
    Optional<GraphEdges> edges = GraphEdges.of(graph);
    if (edges.isEmpty()) {
      if (!warned) {
        warned = true;
        LOG.info("Relu gradients keep the activation's input in memory: {}", GraphEdges.unavailableReason());
      }
      return 0;
    }
    String prefix = scope + "/";
    int moved = 0;
    for (Iterator<GraphOperation> it = graph.operations(); it.hasNext(); ) {
      GraphOperation op = it.next();
      if (op.name().startsWith(prefix) && (op.type().equals("ReluGrad") || op.type().equals("Relu6Grad"))) {
        GraphOperation forward = activationOf(op, prefix);
        if (forward != null) {
          edges.get().update(forward.output(0), op, 1);
          moved++;
        }
      }
    }
    LOG.debug("{} Relu/Relu6 gradients read their activation's output", moved);
    return moved;
  }

  /** The forward {@code Relu}/{@code Relu6} whose gradient {@code grad} is (it reads that op's input), or null. */
  private static GraphOperation activationOf(GraphOperation grad, String prefix) {
    Output<?> features = grad.input(1);
    GraphOperation producer = (GraphOperation) features.op();
    if (producer.name().startsWith(prefix)) {
      return null;
    }
    String type = grad.type().substring(0, grad.type().length() - "Grad".length());
    for (GraphOperation consumer : producer.consumers(features.index())) {
      if (consumer.type().equals(type) && !consumer.name().startsWith(prefix) && consumer.input(0).equals(features)) {
        return consumer;
      }
    }
    return null;
  }
}
