package dev.graft.testing;

import dev.graft.data.ExampleKind;
import dev.graft.data.LabeledData;
import dev.graft.data.view.LabeledDatas;
import dev.graft.data.read.InMemoryData;
import dev.graft.model.TensorSpec;
import java.util.List;
import java.util.Random;
import java.util.stream.IntStream;
import org.tensorflow.Graph;
import org.tensorflow.proto.Example;

/**
 * Synthetic labelled data: random inputs shaped like a model's input, labelled by a fixed random
 * linear teacher over the input values, so a head that learns anything lowers the loss.
 */
public final class TeacherData {

  private TeacherData() {}

  /** {@code n} examples of {@code classes} classes for a model input (float tensors or tf.Example strings). */
  public static LabeledData make(TensorSpec input, Graph graph, int n, int classes, long seed) {
    Random random = new Random(seed);
    List<String> names = IntStream.range(0, classes).mapToObj(c -> "class" + c).toList();
    if (input.dtype() == org.tensorflow.proto.DataType.DT_STRING) {
      byte[][] examples = new byte[n][];
      int[] labels = new int[n];
      float[][] teacher = null;
      for (int i = 0; i < n; i++) {
        Example example = RandomInputs.example(graph, random);
        List<Float> values = example.getFeatures().getFeatureMap().values().stream()
            .flatMap(f -> f.getFloatList().getValueList().stream()).toList();
        if (teacher == null) {
          teacher = weights(random, classes, values.size());
        }
        float[] x = new float[values.size()];
        for (int j = 0; j < x.length; j++) {
          x[j] = values.get(j);
        }
        examples[i] = example.toByteArray();
        labels[i] = argmax(teacher, x);
      }
      return new StringData(examples, labels, names);
    }
    long[] shape = new long[input.shape().length - 1];
    for (int d = 0; d < shape.length; d++) {
      shape[d] = input.shape()[d + 1];
    }
    int size = (int) LabeledDatas.product(shape);
    float[][] teacher = weights(random, classes, size);
    float[] values = new float[n * size];
    int[] labels = new int[n];
    for (int i = 0; i < n; i++) {
      float[] x = new float[size];
      for (int j = 0; j < size; j++) {
        x[j] = random.nextFloat();
      }
      System.arraycopy(x, 0, values, i * size, size);
      labels[i] = argmax(teacher, x);
    }
    return InMemoryData.of(values, shape, labels, names);
  }

  private static float[][] weights(Random random, int classes, int size) {
    float[][] w = new float[classes][size];
    for (float[] row : w) {
      for (int j = 0; j < size; j++) {
        row[j] = (float) random.nextGaussian();
      }
    }
    return w;
  }

  private static int argmax(float[][] w, float[] x) {
    int best = 0;
    double bestScore = Double.NEGATIVE_INFINITY;
    for (int c = 0; c < w.length; c++) {
      double score = 0;
      for (int j = 0; j < x.length; j++) {
        score += w[c][j] * (x[j] - 0.5);
      }
      if (score > bestScore) {
        bestScore = score;
        best = c;
      }
    }
    return best;
  }

  /** Serialized tf.Example strings with labels. */
  private record StringData(byte[][] examples, int[] labels, List<String> classNames) implements LabeledData {
    @Override
    public int size() {
      return examples.length;
    }

    @Override
    public long[] exampleShape() {
      return new long[0];
    }

    @Override
    public ExampleKind kind() {
      return ExampleKind.STRING;
    }

    @Override
    public int label(int index) {
      return labels[index];
    }

    @Override
    public void readFloats(int index, float[] dst, int offset) {
      throw new UnsupportedOperationException("string examples");
    }

    @Override
    public byte[] readBytes(int index) {
      return examples[index].clone();
    }
  }

}
