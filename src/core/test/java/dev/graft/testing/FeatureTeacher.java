package dev.graft.testing;

import dev.graft.GraftModel;
import dev.graft.data.batch.Batch;
import dev.graft.data.batch.BatchIterator;
import dev.graft.data.batch.BatchStream;
import dev.graft.data.view.DataViews;
import dev.graft.data.LabeledData;
import dev.graft.data.view.LabeledDatas;
import java.util.Random;
import org.tensorflow.Result;

/**
 * A task a new linear head can learn exactly: examples labelled by a fixed random linear teacher over the
 * (centred) features that the model's own backbone computes for them at the cut.
 *
 * @param data the examples, relabelled
 * @param featureScale the largest absolute feature value: a backbone with random weights can have features so
 *     small (1e-12 in a 150-layer MobileNetV2) that no head learns more than the class frequencies from them
 * @param spread the largest standard deviation of one feature over the examples
 */
public record FeatureTeacher(LabeledData data, double featureScale, double spread) {

  /** Relabels {@code raw} (raw values: the model's preprocessing scales them) into {@code classes} classes. */
  public static FeatureTeacher of(GraftModel model, LabeledData raw, int classes, long seed) {
    int n = raw.size();
    int size = (int) model.cut().featureSize();
    float[][] features = new float[n][size];
    LabeledData scaled = LabeledDatas.preprocessed(raw, model.preprocessing());
    try (BatchStream stream = BatchStream.builder().setData(scaled).setBatchSize(16).optShuffle(false).build();
        BatchIterator batches = stream.epoch(0)) {
      while (batches.hasNext()) {
        try (Batch batch = batches.next();
            Result result = model.model().session().runner().feed(model.model().input().tensor(), batch.features())
                .fetch(model.cut().features()).run()) {
          float[] values = Tensors.floats(result.get(0));
          for (int i = 0; i < batch.size(); i++) {
            System.arraycopy(values, i * size, features[batch.indices()[i]], 0, size);
          }
        }
      }
    }
    double scale = 0;
    double[] mean = new double[size];
    for (float[] f : features) {
      for (int j = 0; j < size; j++) {
        mean[j] += f[j] / n;
        scale = Math.max(scale, Math.abs(f[j]));
      }
    }
    Random random = new Random(seed);
    double[][] teacher = new double[classes][size];
    for (double[] row : teacher) {
      for (int j = 0; j < size; j++) {
        row[j] = random.nextGaussian();
      }
    }
    int[] labels = new int[n];
    double[][] scores = new double[n][classes];
    int[] counts = new int[classes];
    for (int i = 0; i < n; i++) {
      double best = Double.NEGATIVE_INFINITY;
      for (int c = 0; c < classes; c++) {
        double score = 0;
        for (int j = 0; j < size; j++) {
          score += teacher[c][j] * (features[i][j] - mean[j]);
        }
        scores[i][c] = score;
        if (score > best) {
          best = score;
          labels[i] = c;
        }
      }
      counts[labels[i]]++;
    }
    // Features that hardly vary (a random-weight backbone) can leave a class without examples, which training
    // refuses: such a class takes the example whose score for it comes nearest its own class's.
    for (int c = 0; c < classes; c++) {
      if (counts[c] > 0) {
        continue;
      }
      int pick = -1;
      double margin = Double.NEGATIVE_INFINITY;
      for (int i = 0; i < n; i++) {
        double m = scores[i][c] - scores[i][labels[i]];
        if (counts[labels[i]] > 1 && m > margin) {
          margin = m;
          pick = i;
        }
      }
      counts[labels[pick]]--;
      labels[pick] = c;
      counts[c]++;
    }
    double spread = 0;
    for (int j = 0; j < size; j++) {
      double variance = 0;
      for (float[] f : features) {
        variance += (f[j] - mean[j]) * (f[j] - mean[j]) / n;
      }
      spread = Math.max(spread, Math.sqrt(variance));
    }
    return new FeatureTeacher(DataViews.relabeled(raw, i -> labels[i]), scale, spread);
  }
}
