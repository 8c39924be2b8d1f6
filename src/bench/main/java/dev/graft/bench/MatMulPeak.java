package dev.graft.bench;

import java.util.SplittableRandom;
import org.tensorflow.Graph;
import org.tensorflow.Session;
import org.tensorflow.ndarray.Shape;
import org.tensorflow.op.Ops;
import org.tensorflow.op.core.Placeholder;
import org.tensorflow.op.linalg.MatMul;
import org.tensorflow.types.TFloat32;

/** The FLOP/s one large float MatMul reaches through TensorFlow Java on this machine: the reference for "achieved". */
final class MatMulPeak {

  private MatMulPeak() {}

  /** FLOP/s of an {@code n x n} float MatMul, best of {@code repeats} timed runs after two warm-up runs. */
  static double flopsPerSecond(ThreadSetting threads, int n, int repeats) {
    try (Graph graph = new Graph(); Session session = new Session(graph, threads.sessionConfig());
        TFloat32 a = random(n, 1); TFloat32 b = random(n, 2)) {
      Ops tf = Ops.create(graph);
      Placeholder<TFloat32> x = tf.withName("a").placeholder(TFloat32.class, Placeholder.shape(Shape.of(n, n)));
      Placeholder<TFloat32> y = tf.withName("b").placeholder(TFloat32.class, Placeholder.shape(Shape.of(n, n)));
      MatMul<TFloat32> product = tf.linalg.matMul(x, y);
      for (int i = 0; i < 2; i++) {
        session.runner().feed(x, a).feed(y, b).addTarget(product).run();
      }
      double best = Double.MAX_VALUE;
      for (int i = 0; i < repeats; i++) {
        long start = System.nanoTime();
        session.runner().feed(x, a).feed(y, b).addTarget(product).run();
        best = Math.min(best, (System.nanoTime() - start) / 1e9);
      }
      return 2.0 * n * n * n / best;
    }
  }

  private static TFloat32 random(int n, long seed) {
    SplittableRandom rng = new SplittableRandom(seed);
    TFloat32 t = TFloat32.tensorOf(Shape.of(n, n));
    float[] values = new float[n * n];
    for (int i = 0; i < values.length; i++) {
      values[i] = (float) rng.nextDouble(-1, 1);
    }
    t.asRawTensor().data().asFloats().write(values);
    return t;
  }
}
