package dev.graft.train;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.graft.graph.internal.GraphEdges;
import java.util.ArrayList;
import java.util.Iterator;
import java.util.List;
import org.junit.jupiter.api.Test;
import org.tensorflow.Graph;
import org.tensorflow.GraphOperation;
import org.tensorflow.Operand;
import org.tensorflow.Output;
import org.tensorflow.Result;
import org.tensorflow.Session;
import org.tensorflow.ndarray.Shape;
import org.tensorflow.ndarray.buffer.DataBuffers;
import org.tensorflow.op.Ops;
import org.tensorflow.op.core.Placeholder;
import org.tensorflow.types.TFloat32;
import org.tensorflow.types.TInt32;

/** The Relu/Relu6 gradients read the activation's output after {@link LeanBackward}, and compute the same values. */
class LeanBackwardTest {

  private static final String SCOPE = "grads";
  /** Inputs on both sides of and exactly at each activation's corners (0 and 6). */
  private static final float[] X = {-3f, -0f, 0f, 1e-7f, 0.5f, 5.999f, 6f, 6.001f, 9f, -1e-7f, 2f, 4f, 7f};

  @Test
  void gradientsReadTheOutputAndAgreeExactly() {
    float[] plain = gradient(false);
    float[] lean = gradient(true);
    assertArrayEquals(plain, lean, "the rewired gradients must equal the registry's, bit for bit");
    boolean someNonZero = false;
    for (float v : lean) {
      someNonZero |= v != 0f;
    }
    assertTrue(someNonZero, "the test input should pass a gradient somewhere");
  }

  @Test
  void everyActivationGradientIsMoved() {
    try (Graph graph = new Graph()) {
      Output<?> x = build(graph);
      graph.addGradients(SCOPE, new Output<?>[] {loss(graph)}, new Output<?>[] {x}, null);
      assertEquals(2, LeanBackward.apply(graph, SCOPE), "one Relu and one Relu6 gradient");
      int checked = 0;
      for (GraphOperation op : ops(graph)) {
        if (op.type().equals("ReluGrad") || op.type().equals("Relu6Grad")) {
          String forward = op.type().substring(0, op.type().length() - 4);
          assertEquals(forward, op.input(1).op().type(), op.name() + " should read the " + forward + "'s output");
          checked++;
        }
      }
      assertEquals(2, checked);
    }
  }

  @Test
  void anEdgeOfAnotherTypeIsRefusedWithoutHarm() {
    try (Graph graph = new Graph(); Session session = new Session(graph)) {
      Ops tf = Ops.create(graph);
      Operand<TFloat32> a = tf.withName("a").constant(new float[] {1f, 2f});
      Operand<TInt32> wrong = tf.withName("wrong").constant(new int[] {1, 2});
      Operand<TFloat32> doubled = tf.withName("doubled").math.add(a, a);
      GraphEdges edges = GraphEdges.of(graph).orElseThrow(() -> new AssertionError(GraphEdges.unavailableReason()));
      GraphOperation add = graph.operationOrThrow("doubled");
      assertThrows(IllegalArgumentException.class, () -> edges.update(wrong.asOutput(), add, 0));
      assertThrows(IllegalArgumentException.class, () -> edges.update(a.asOutput(), add, 2));
      Operand<TFloat32> longer = tf.withName("longer").constant(new float[] {1f, 2f, 3f});
      assertThrows(IllegalArgumentException.class, () -> edges.update(longer.asOutput(), add, 1));
      try (Result r = session.runner().fetch(doubled).run()) {
        float[] out = new float[2];
        r.get(0).asRawTensor().data().asFloats().read(out);
        assertArrayEquals(new float[] {2f, 4f}, out, "the graph is unchanged after a refused edit");
      }
    }
  }

  /** d loss / d x for the graph of {@link #build}, with or without the rewiring. */
  private static float[] gradient(boolean lean) {
    try (Graph graph = new Graph()) {
      Output<?> x = build(graph);
      Output<?>[] grads = graph.addGradients(SCOPE, new Output<?>[] {loss(graph)}, new Output<?>[] {x}, null);
      if (lean) {
        LeanBackward.apply(graph, SCOPE);
      }
      try (Session session = new Session(graph);
          TFloat32 in = TFloat32.tensorOf(Shape.of(X.length), DataBuffers.of(X));
          Result r = session.runner().feed("x", in).fetch(grads[0]).run()) {
        float[] out = new float[X.length];
        r.get(0).asRawTensor().data().asFloats().read(out);
        return out;
      }
    }
  }

  /**
   * {@code loss = sum(w * relu6(3 x - 6) + v * relu(x))}: each activation's input is an op's output that nothing
   * else reads, as a batch norm's output in a network.
   */
  private static Output<?> build(Graph graph) {
    Ops tf = Ops.create(graph);
    Operand<TFloat32> x = tf.withName("x").placeholder(TFloat32.class, Placeholder.shape(Shape.of(X.length)));
    float[] w = new float[X.length];
    float[] v = new float[X.length];
    for (int i = 0; i < X.length; i++) {
      w[i] = 0.25f * (i + 1);
      v[i] = -0.5f + 0.125f * i;
    }
    Operand<TFloat32> six = tf.nn.relu6(tf.math.sub(tf.math.mul(x, tf.constant(3f)), tf.constant(6f)));
    Operand<TFloat32> rel = tf.nn.relu(tf.math.add(x, tf.constant(0f)));
    Operand<TFloat32> sum = tf.math.add(tf.math.mul(six, tf.constant(w)), tf.math.mul(rel, tf.constant(v)));
    tf.withName("loss").sum(sum, tf.constant(0));
    return x.asOutput();
  }

  private static Output<?> loss(Graph graph) {
    return graph.outputOrThrow("loss");
  }

  private static List<GraphOperation> ops(Graph graph) {
    List<GraphOperation> all = new ArrayList<>();
    for (Iterator<GraphOperation> it = graph.operations(); it.hasNext(); ) {
      all.add(it.next());
    }
    return all;
  }
}
