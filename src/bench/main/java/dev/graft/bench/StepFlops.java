package dev.graft.bench;

import java.util.ArrayDeque;
import java.util.Deque;
import java.util.HashSet;
import java.util.Map;
import java.util.Set;
import java.util.TreeMap;
import org.tensorflow.Graph;
import org.tensorflow.GraphOperation;
import org.tensorflow.Operand;
import org.tensorflow.ndarray.Shape;

/**
 * Floating-point operations of one training step, counted from the static shapes of the graph's
 * multiply-accumulate ops that the step runs (Conv2D, DepthwiseConv2dNative, their backprops, MatMul; two FLOPs
 * per multiply-add). Element-wise ops (bias, batch norm, ReLU, pooling, Adam) are left out: a few percent of
 * fashion_cnn's step, more of a MobileNet's, so its achieved FLOP/s is a lower bound.
 *
 * @param forwardPerExample FLOPs of the forward ops (not under the gradient scope) per example
 * @param stepPerExample FLOPs of every counted op of the step (forward and backward) per example
 * @param byType FLOPs per example by op type
 */
record StepFlops(double forwardPerExample, double stepPerExample, Map<String, Double> byType) {

  /**
   * Counts the ops that {@code roots} depend on (data and control inputs), the batch dimension taken as
   * {@code batch}.
   *
   * @param gradientScope name prefix of the backward ops (forward = every counted op outside it)
   */
  static StepFlops count(Graph graph, Iterable<String> roots, String gradientScope, int batch) {
    return count(graph, roots, gradientScope, batch, Set.of());
  }

  /**
   * As {@link #count(Graph, Iterable, String, int)}, for a step whose feeds replace the tensors of {@code fed}:
   * those ops, and what only they depend on, do not run and are not counted.
   */
  static StepFlops count(Graph graph, Iterable<String> roots, String gradientScope, int batch, Set<String> fed) {
    Set<String> seen = new HashSet<>();
    Deque<GraphOperation> todo = new ArrayDeque<>();
    for (String root : roots) {
      String opName = root.contains(":") ? root.substring(0, root.indexOf(':')) : root;
      todo.push(graph.operationOrThrow(opName));
    }
    double forward = 0;
    double total = 0;
    Map<String, Double> byType = new TreeMap<>();
    while (!todo.isEmpty()) {
      GraphOperation op = todo.pop();
      if (!seen.add(op.name()) || fed.contains(op.name())) {
        continue;
      }
      for (Operand<?> in : op.inputs()) {
        todo.push((GraphOperation) in.op());
      }
      todo.addAll(op.controlInputs());
      double flops = flops(op, batch);
      if (flops > 0) {
        total += flops;
        byType.merge(op.type(), flops / batch, Double::sum);
        if (!op.name().startsWith(gradientScope)) {
          forward += flops;
        }
      }
    }
    return new StepFlops(forward / batch, total / batch, byType);
  }

  private static double flops(GraphOperation op, int batch) {
    switch (op.type()) {
      case "Conv2D": {
        checkNhwc(op);
        long[] out = dims(op.output(0).shape(), batch, op);
        long[] filter = dims(op.input(1).shape(), batch, op);
        return 2.0 * out[0] * out[1] * out[2] * out[3] * filter[0] * filter[1] * filter[2];
      }
      case "Conv2DBackpropInput": {
        checkNhwc(op);
        long[] filter = dims(op.input(1).shape(), batch, op);
        long[] grad = dims(op.input(2).shape(), batch, op);
        return 2.0 * grad[0] * grad[1] * grad[2] * grad[3] * filter[0] * filter[1] * filter[2];
      }
      case "Conv2DBackpropFilter": {
        checkNhwc(op);
        long[] filter = dims(op.output(0).shape(), batch, op);
        long[] grad = dims(op.input(2).shape(), batch, op);
        return 2.0 * grad[0] * grad[1] * grad[2] * grad[3] * filter[0] * filter[1] * filter[2];
      }
      case "DepthwiseConv2dNative": {
        checkNhwc(op);
        long[] out = dims(op.output(0).shape(), batch, op);
        long[] filter = dims(op.input(1).shape(), batch, op);
        return 2.0 * out[0] * out[1] * out[2] * out[3] * filter[0] * filter[1];
      }
      case "DepthwiseConv2dNativeBackpropInput", "DepthwiseConv2dNativeBackpropFilter": {
        checkNhwc(op);
        long[] grad = dims(op.input(2).shape(), batch, op);
        long[] filter = op.type().endsWith("Input") ? dims(op.input(1).shape(), batch, op)
            : dims(op.output(0).shape(), batch, op);
        return 2.0 * grad[0] * grad[1] * grad[2] * grad[3] * filter[0] * filter[1];
      }
      case "MatMul": {
        long[] a = dims(op.input(0).shape(), batch, op);
        long[] b = dims(op.input(1).shape(), batch, op);
        long m = op.attributes().getAttrBool("transpose_a") ? a[1] : a[0];
        long k = op.attributes().getAttrBool("transpose_a") ? a[0] : a[1];
        long n = op.attributes().getAttrBool("transpose_b") ? b[0] : b[1];
        return 2.0 * m * k * n;
      }
      default:
        if (op.type().contains("Conv") || op.type().contains("MatMul")) {
          throw new IllegalStateException("Op " + op.name() + " of type " + op.type() + " is not counted; add it to "
              + StepFlops.class.getSimpleName());
        }
        return 0;
    }
  }

  private static void checkNhwc(GraphOperation op) {
    String format = op.attributes().getAttrString("data_format");
    if (!format.equals("NHWC")) {
      throw new IllegalStateException("Op " + op.name() + " has data_format " + format + "; only NHWC is counted");
    }
  }

  /** The dimensions of {@code shape}, an unknown batch dimension (the only unknown allowed) taken as {@code batch}. */
  private static long[] dims(Shape shape, int batch, GraphOperation op) {
    if (shape.isUnknown()) {
      throw new IllegalStateException("Op " + op.name() + " (" + op.type() + ") has an input or output of unknown rank");
    }
    long[] d = shape.asArray();
    for (int i = 0; i < d.length; i++) {
      if (d[i] < 0) {
        if (i != 0) {
          throw new IllegalStateException("Op " + op.name() + " (" + op.type() + ") has shape " + shape
              + " with an unknown dimension other than the batch");
        }
        d[i] = batch;
      }
    }
    return d;
  }
}
