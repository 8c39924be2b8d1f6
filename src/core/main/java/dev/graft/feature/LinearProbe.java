package dev.graft.feature;

/**
 * How well a linear classifier separates the classes from a feature vector: softmax regression on standardized
 * features, trained full-batch with Adam from zero weights (so the same features always give the same score).
 */
final class LinearProbe {

  /** Floating-point operations one probe may spend, which bounds its iterations on wide features. */
  private static final double FLOP_BUDGET = 3e9;
  private static final int MAX_ITERATIONS = 200;
  private static final int MIN_ITERATIONS = 30;
  private static final float LEARNING_RATE = 0.05f;
  private static final float L2 = 1e-2f;

  /**
   * A probe's validation score.
   *
   * @param accuracy fraction of validation examples classified correctly
   * @param balancedAccuracy mean recall over the classes present in the validation examples
   * @param loss mean validation cross-entropy
   */
  record Score(double accuracy, double balancedAccuracy, double loss) {}

  private LinearProbe() {}

  /**
   * Trains on {@code train} ({@code trainLabels.length} rows of {@code width} floats) and scores on {@code val}.
   */
  static Score fit(float[] train, int[] trainLabels, float[] val, int[] valLabels, int width, int classes) {
    int n = trainLabels.length;
    float[] mean = new float[width];
    float[] inverseStd = new float[width];
    standardization(train, n, width, mean, inverseStd);
    float[] x = standardized(train, n, width, mean, inverseStd);
    float[] w = new float[width * classes];
    float[] b = new float[classes];
    float[] mw = new float[w.length];
    float[] vw = new float[w.length];
    float[] mb = new float[classes];
    float[] vb = new float[classes];
    float[] probabilities = new float[n * classes];
    float[] gw = new float[w.length];
    float[] gb = new float[classes];
    double flops = 4.0 * n * width * classes;
    int iterations = (int) Math.max(MIN_ITERATIONS, Math.min(MAX_ITERATIONS, FLOP_BUDGET / Math.max(1, flops)));
    for (int t = 1; t <= iterations; t++) {
      softmax(x, n, width, classes, w, b, probabilities);
      java.util.Arrays.fill(gw, 0);
      java.util.Arrays.fill(gb, 0);
      for (int i = 0; i < n; i++) {
        for (int c = 0; c < classes; c++) {
          float err = (probabilities[i * classes + c] - (trainLabels[i] == c ? 1f : 0f)) / n;
          if (err == 0) {
            continue;
          }
          gb[c] += err;
          int row = i * width;
          for (int j = 0; j < width; j++) {
            gw[j * classes + c] += x[row + j] * err;
          }
        }
      }
      for (int k = 0; k < w.length; k++) {
        gw[k] += L2 * w[k];
      }
      adam(w, gw, mw, vw, t);
      adam(b, gb, mb, vb, t);
    }
    int m = valLabels.length;
    float[] xv = standardized(val, m, width, mean, inverseStd);
    float[] pv = new float[m * classes];
    softmax(xv, m, width, classes, w, b, pv);
    return score(pv, valLabels, classes);
  }

  /** Per-feature mean and 1/std over two passes; constant features get 0 (they carry nothing). */
  private static void standardization(float[] x, int n, int width, float[] mean, float[] inverseStd) {
    double[] sum = new double[width];
    for (int i = 0; i < n; i++) {
      for (int j = 0; j < width; j++) {
        sum[j] += x[i * width + j];
      }
    }
    double[] sq = new double[width];
    for (int i = 0; i < n; i++) {
      for (int j = 0; j < width; j++) {
        double d = x[i * width + j] - sum[j] / n;
        sq[j] += d * d;
      }
    }
    for (int j = 0; j < width; j++) {
      double mu = sum[j] / Math.max(1, n);
      double var = sq[j] / Math.max(1, n);
      mean[j] = (float) mu;
      // Scale-free, so the tiny features of an untrained backbone are standardized like any others.
      inverseStd[j] = var > 0 ? (float) Math.min(Float.MAX_VALUE, 1 / Math.sqrt(var)) : 0f;
    }
  }

  private static float[] standardized(float[] x, int n, int width, float[] mean, float[] inverseStd) {
    float[] out = new float[n * width];
    for (int i = 0; i < n; i++) {
      for (int j = 0; j < width; j++) {
        out[i * width + j] = (x[i * width + j] - mean[j]) * inverseStd[j];
      }
    }
    return out;
  }

  private static void softmax(float[] x, int n, int width, int classes, float[] w, float[] b, float[] out) {
    double[] z = new double[classes];
    for (int i = 0; i < n; i++) {
      int row = i * width;
      for (int c = 0; c < classes; c++) {
        z[c] = b[c];
      }
      for (int j = 0; j < width; j++) {
        float v = x[row + j];
        if (v == 0) {
          continue;
        }
        int k = j * classes;
        for (int c = 0; c < classes; c++) {
          z[c] += v * w[k + c];
        }
      }
      double max = Double.NEGATIVE_INFINITY;
      for (double v : z) {
        max = Math.max(max, v);
      }
      double total = 0;
      for (int c = 0; c < classes; c++) {
        z[c] = Math.exp(z[c] - max);
        total += z[c];
      }
      for (int c = 0; c < classes; c++) {
        out[i * classes + c] = (float) (z[c] / total);
      }
    }
  }

  private static void adam(float[] p, float[] g, float[] m, float[] v, int t) {
    double correction = LEARNING_RATE * Math.sqrt(1 - Math.pow(0.999, t)) / (1 - Math.pow(0.9, t));
    for (int k = 0; k < p.length; k++) {
      m[k] = 0.9f * m[k] + 0.1f * g[k];
      v[k] = 0.999f * v[k] + 0.001f * g[k] * g[k];
      p[k] -= (float) (correction * m[k] / (Math.sqrt(v[k]) + 1e-7));
    }
  }

  private static Score score(float[] p, int[] labels, int classes) {
    int m = labels.length;
    long correct = 0;
    double loss = 0;
    long[] hits = new long[classes];
    long[] totals = new long[classes];
    for (int i = 0; i < m; i++) {
      int best = 0;
      for (int c = 1; c < classes; c++) {
        if (p[i * classes + c] > p[i * classes + best]) {
          best = c;
        }
      }
      totals[labels[i]]++;
      if (best == labels[i]) {
        correct++;
        hits[labels[i]]++;
      }
      loss -= Math.log(Math.max(1e-12, p[i * classes + labels[i]]));
    }
    double recall = 0;
    int present = 0;
    for (int c = 0; c < classes; c++) {
      if (totals[c] > 0) {
        recall += (double) hits[c] / totals[c];
        present++;
      }
    }
    return new Score(m == 0 ? Double.NaN : (double) correct / m, present == 0 ? Double.NaN : recall / present,
        m == 0 ? Double.NaN : loss / m);
  }
}
