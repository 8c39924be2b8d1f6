package dev.graft.train;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import com.fasterxml.jackson.databind.JsonNode;
import dev.graft.testing.ArrayFiles;
import dev.graft.testing.PythonWorker;
import dev.graft.testing.Tensors;
import java.nio.file.Path;
import java.time.Duration;
import java.util.Map;
import java.util.Random;
import org.junit.jupiter.api.Test;
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
import org.tensorflow.types.TFloat32;

/** Each gradient Graft registers computes what Python TensorFlow's own gradient of the op computes. */
class MissingGradientsTest {

  @Test
  void ensureShapeGradientIsPythons(@TempDir Path tmp) {
    float[] x = new float[6];
    float[] c = new float[6];
    Random random = new Random(3);
    for (int i = 0; i < x.length; i++) {
      x[i] = (float) random.nextGaussian();
      c[i] = (float) random.nextGaussian();
    }
    float[] ours;
    MissingGradients.register();
    try (Graph graph = new Graph(); Session session = new Session(graph)) {
      Ops tf = Ops.create(graph);
      Placeholder<TFloat32> input = tf.placeholder(TFloat32.class, Placeholder.shape(Shape.of(2, 3)));
      Operand<TFloat32> squared = tf.math.mul(input, input);
      Operand<TFloat32> ensured = tf.ensureShape(squared, Shape.of(2, 3));
      Operand<TFloat32> loss = tf.sum(tf.math.mul(tf.constant(Shape.of(2, 3), DataBuffers.of(c)),
          ensured), tf.constant(new int[] {0, 1}));
      Output<?>[] gradient = graph.addGradients(loss.asOutput(), new Output<?>[] {input.asOutput()});
      try (TFloat32 value = ArrayFiles.floatTensor(x, 2, 3);
          Result result = session.runner().feed(input, value).fetch(gradient[0]).run()) {
        ours = Tensors.floats(result.get(0));
      }
    }
    float[] theirs;
    try (PythonWorker python = PythonWorker.start()) {
      JsonNode answer = python.call(Duration.ofMinutes(2), Map.of("op", "op_gradient", "kind", "EnsureShape",
          "x", ArrayFiles.floats(tmp.resolve("x.bin"), x, 2, 3), "c", ArrayFiles.floats(tmp.resolve("c.bin"), c, 2, 3),
          "out", tmp.toString()));
      theirs = ArrayFiles.readFloats(answer.path("gradient"));
    }
    assertEquals(theirs.length, ours.length);
    for (int i = 0; i < ours.length; i++) {
      assertEquals(2 * x[i] * c[i], theirs[i], 1e-6, "Python's gradient of c * (x * x)");
      assertTrue(Math.abs(ours[i] - theirs[i]) <= 1e-6, "element " + i + ": " + ours[i] + " vs Python's " + theirs[i]);
    }
  }
}
