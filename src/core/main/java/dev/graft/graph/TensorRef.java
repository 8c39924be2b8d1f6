package dev.graft.graph;

import org.tensorflow.Graph;
import org.tensorflow.GraphOperation;
import org.tensorflow.Output;

/**
 * One output of an op in a flat graph, written {@code op:index} in GraphDefs, signatures and Graft's own records.
 *
 * <pre>{@code
 * TensorRef ref = TensorRef.parse("dense_1/BiasAdd:0");   // op "dense_1/BiasAdd", index 0
 * TensorRef.parse("dense_1/BiasAdd").index();             // 0: a bare op name means its first output
 * }</pre>
 *
 * @param op the name of the op
 * @param index which of its outputs, from 0
 */
public record TensorRef(String op, int index) {

  public TensorRef {
    if (op == null || op.isEmpty()) {
      throw new IllegalArgumentException("A tensor needs an op name; got " + (op == null ? "null" : "''"));
    }
    if (index < 0) {
      throw new IllegalArgumentException("Output index of op '" + op + "' is " + index + "; it must be 0 or more");
    }
  }

  /**
   * The tensor {@code text} names: {@code op:index}, or {@code op} for its first output. A control input
   * ({@code ^op}) names no tensor and is refused, as is anything after the colon that is not an index.
   *
   * @throws IllegalArgumentException naming {@code text} when it names no tensor
   */
  public static TensorRef parse(String text) {
    if (text == null || text.isEmpty() || text.startsWith("^")) {
      throw new IllegalArgumentException("'" + text + "' is not a tensor name; expected 'op:index' (such as "
          + "'dense_1/BiasAdd:0') or an op name");
    }
    int colon = text.lastIndexOf(':');
    if (colon < 0) {
      return new TensorRef(text, 0);
    }
    String op = text.substring(0, colon);
    String index = text.substring(colon + 1);
    if (op.isEmpty() || op.indexOf(':') >= 0 || index.isEmpty() || !index.chars().allMatch(Character::isDigit)
        || index.length() > 9) {
      throw new IllegalArgumentException("'" + text + "' is not a tensor name; expected 'op:index' with a "
          + "non-negative output index (such as 'dense_1/BiasAdd:0') or an op name");
    }
    return new TensorRef(op, Integer.parseInt(index));
  }

  /** The tensor {@code output} is. */
  public static TensorRef of(Output<?> output) {
    return new TensorRef(output.op().name(), output.index());
  }

  /**
   * The op name of a node input as a GraphDef writes it: {@code op:index}, {@code op}, or a control input
   * {@code ^op}.
   */
  public static String opOf(String input) {
    return input.startsWith("^") ? input.substring(1) : parse(input).op();
  }

  /** {@code text} written in full, {@code op:index} ({@code op} alone becomes {@code op:0}). */
  public static String canonical(String text) {
    return parse(text).toString();
  }

  /**
   * This tensor in {@code graph}.
   *
   * @throws IllegalArgumentException when the graph has no such op, or the op fewer outputs
   */
  public Output<?> in(Graph graph) {
    GraphOperation operation = graph.operation(op);
    if (operation == null) {
      throw new IllegalArgumentException("The graph has no op '" + op + "' (tensor " + this + ")");
    }
    if (index >= operation.numOutputs()) {
      throw new IllegalArgumentException("Op '" + op + "' (" + operation.type() + ") has " + operation.numOutputs()
          + " outputs; there is no tensor " + this);
    }
    return operation.output(index);
  }

  @Override
  public String toString() {
    return op + ":" + index;
  }
}
