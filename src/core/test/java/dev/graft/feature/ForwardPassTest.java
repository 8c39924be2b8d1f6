package dev.graft.feature;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;

import dev.graft.data.batch.BatchStream;
import dev.graft.data.LabeledData;
import dev.graft.data.read.InMemoryData;
import dev.graft.error.GraftException;
import java.util.ArrayList;
import java.util.List;
import org.junit.jupiter.api.Test;
import org.tensorflow.Graph;
import org.tensorflow.Output;
import org.tensorflow.Session;
import org.tensorflow.ndarray.Shape;
import org.tensorflow.op.Ops;
import org.tensorflow.types.TFloat32;

class ForwardPassTest {

  private static final int N = 600;

  @Test
  void handsOverEveryBatchInOrderWithItsProbabilities() {
    float[] values = new float[N * 2];
    int[] labels = new int[N];
    for (int i = 0; i < N; i++) {
      values[2 * i] = i % 7 - 3f;
      values[2 * i + 1] = i % 5 * 0.5f;
      labels[i] = i % 2;
    }
    LabeledData data = InMemoryData.of(values, new long[] {2}, labels, List.of("a", "b"));
    try (Graph graph = new Graph(); Session session = new Session(graph)) {
      Ops tf = Ops.create(graph);
      Output<TFloat32> x = tf.withName("x").placeholder(TFloat32.class,
          org.tensorflow.op.core.Placeholder.shape(Shape.of(-1, 2))).output();
      Output<TFloat32> p = tf.nn.softmax(x).asOutput();
      List<Integer> sizes = new ArrayList<>();
      List<Integer> seenLabels = new ArrayList<>();
      float[] all = new float[N * 2];
      int skipped = new ForwardPass(session, x, p, 2).run(data, false, (rows, batch) -> {
        int start = seenLabels.size();
        System.arraycopy(rows, 0, all, start * 2, rows.length);
        sizes.add(batch.size());
        for (int i = 0; i < batch.size(); i++) {
          seenLabels.add(batch.label(i));
        }
      });
      assertEquals(0, skipped);
      int batchSize = BatchStream.forwardBatchSize(data);
      assertEquals((N + batchSize - 1) / batchSize, sizes.size(), "batches of " + batchSize);
      float[] expected = new float[N * 2];
      for (int i = 0; i < N; i++) {
        assertEquals(labels[i], seenLabels.get(i), "label of example " + i);
        double a = Math.exp(values[2 * i]);
        double b = Math.exp(values[2 * i + 1]);
        expected[2 * i] = (float) (a / (a + b));
        expected[2 * i + 1] = (float) (b / (a + b));
      }
      assertArrayEquals(expected, all, 1e-6f);
    }
  }

  @Test
  void aFetchOfAnotherShapeFailsWithTheAdvice() {
    LabeledData data = InMemoryData.of(new float[] {1, 2, 3, 4}, new long[] {2}, new int[] {0, 1},
        List.of("a", "b"));
    try (Graph graph = new Graph(); Session session = new Session(graph)) {
      Ops tf = Ops.create(graph);
      Output<TFloat32> x = tf.withName("x").placeholder(TFloat32.class).output();
      Output<TFloat32> doubled = tf.math.mul(x, tf.constant(2f)).asOutput();
      GraftException e = assertThrows(GraftException.class, () -> new ForwardPass(session, x, doubled, 3)
          .whenMisshapen("Check the labels.").run(data, false, (rows, batch) -> {}));
      assertEquals("The model answered probabilities of shape [2, 2] for 2 examples; 3 classes make [2, 3]. "
          + "Check the labels.", e.getMessage());
    }
  }
}
