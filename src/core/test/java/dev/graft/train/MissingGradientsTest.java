package dev.graft.train;

import static org.junit.jupiter.api.Assertions.assertEquals;

import com.fasterxml.jackson.databind.JsonNode;
import dev.graft.testing.ArrayFiles;
import dev.graft.testing.PythonWorkerExtension;
import dev.graft.testing.Tensors;
import java.nio.file.Path;
import java.time.Duration;
import java.util.List;
import java.util.Map;
import java.util.Random;
import java.util.function.BiFunction;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.RegisterExtension;
import org.junit.jupiter.api.io.TempDir;
import org.tensorflow.Graph;
import org.tensorflow.Operand;
import org.tensorflow.Output;
import org.tensorflow.Result;
import org.tensorflow.Session;
import org.tensorflow.ndarray.Shape;
import org.tensorflow.ndarray.buffer.DataBuffers;
import org.tensorflow.op.Ops;
import org.tensorflow.op.core.Placeholder;
import org.tensorflow.op.core.VarHandleOp;
import org.tensorflow.types.TFloat32;

/** Each gradient Graft registers computes what Python TensorFlow's own gradient of the op computes. */
class MissingGradientsTest {

  private static final long[] INDICES = {2, 0, 2, 4, 1, 2};

  @RegisterExtension
  static final PythonWorkerExtension PYTHON = new PythonWorkerExtension();

  @Test
  void ensureShapeGradientIsPythons(@TempDir Path tmp) {
    float[] x = random(6, 3);
    float[] c = random(6, 4);
    float[] ours = gradient(x, new long[] {2, 3}, (tf, output) -> {
      Operand<TFloat32> input = output.expect(TFloat32.class);
      Operand<TFloat32> ensured = tf.ensureShape(tf.math.mul(input, input), Shape.of(2, 3));
      return tf.sum(tf.math.mul(tf.constant(Shape.of(2, 3), DataBuffers.of(c)), ensured), tf.constant(new int[] {0, 1}));
    }, false);
    assertSameAsPython("EnsureShape", x, new long[] {2, 3}, c, new long[] {2, 3}, ours, tmp);
  }

  /** An embedding lookup straight from the variable: the gradient reaches the variable's handle, rows summed. */
  @Test
  void resourceGatherGradientIsPythons(@TempDir Path tmp) {
    float[] x = random(15, 5);
    float[] c = random(INDICES.length * 3, 6);
    float[] ours = gradient(x, new long[] {5, 3}, (tf, handle) -> {
      Operand<TFloat32> rows = tf.resourceGather(handle, tf.constant(INDICES), TFloat32.class);
      return tf.sum(tf.math.mul(tf.constant(Shape.of(INDICES.length, 3), DataBuffers.of(c)), tf.math.square(rows)),
          tf.constant(new int[] {0, 1}));
    }, true);
    assertSameAsPython("ResourceGather", x, new long[] {5, 3}, c, new long[] {INDICES.length, 3}, ours, tmp);
  }

  private static float[] random(int n, long seed) {
    Random random = new Random(seed);
    float[] values = new float[n];
    for (int i = 0; i < n; i++) {
      values[i] = (float) random.nextGaussian();
    }
    return values;
  }

  /** Graft's gradient of {@code loss(input)} with respect to a placeholder, or to a variable's handle. */
  private static float[] gradient(float[] x, long[] shape, BiFunction<Ops, Output<?>, Operand<TFloat32>> loss,
      boolean variable) {
    MissingGradients.register();
    try (Graph graph = new Graph(); Session session = new Session(graph);
        TFloat32 value = ArrayFiles.floatTensor(x, shape)) {
      Ops tf = Ops.create(graph);
      Output<?> target;
      Operand<TFloat32> forward;
      Placeholder<TFloat32> feed = tf.placeholder(TFloat32.class, Placeholder.shape(Shape.of(shape)));
      if (variable) {
        VarHandleOp handle = tf.varHandleOp(TFloat32.class, Shape.of(shape));
        session.runner().addTarget(tf.assignVariableOp(handle, feed)).feed(feed, value).run();
        target = handle.asOutput();
        forward = loss.apply(tf, handle.asOutput());
      } else {
        target = feed.asOutput();
        forward = loss.apply(tf, feed.asOutput());
      }
      Output<?>[] gradient = graph.addGradients(forward.asOutput(), new Output<?>[] {target});
      try (Result result = session.runner().feed(feed, value).fetch(gradient[0]).run()) {
        return Tensors.floats(result.get(0));
      }
    }
  }

  private static void assertSameAsPython(String op, float[] x, long[] xShape, float[] c, long[] cShape, float[] ours,
      Path tmp) {
    JsonNode answer = PYTHON.get().call(Duration.ofMinutes(2), Map.of("op", "op_gradient", "kind", op,
        "x", ArrayFiles.floats(tmp.resolve("x.bin"), x, xShape), "c", ArrayFiles.floats(tmp.resolve("c.bin"), c, cShape),
        "indices", List.of(2, 0, 2, 4, 1, 2), "out", tmp.toString()));
    float[] theirs = ArrayFiles.readFloats(answer.path("gradient"));
    assertEquals(theirs.length, ours.length, op + ": gradient size");
    for (int i = 0; i < ours.length; i++) {
      assertEquals(theirs[i], ours[i], 1e-6 * Math.max(1, Math.abs(theirs[i])), op + ": gradient element " + i);
    }
  }
}
