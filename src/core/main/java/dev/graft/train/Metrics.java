package dev.graft.train;

/**
 * Accumulates classification metrics over batches of predicted probabilities: cross-entropy loss,
 * accuracy, top-k accuracy and the confusion matrix.
 */
public final class Metrics {

  private final int numClasses;
  private final int topK;
  private final long[][] confusion;
  private double lossSum;
  private long correct;
  private long correctTopK;
  private long count;

  /** Metrics for {@code numClasses} classes, counting a hit in the {@code topK} most probable as top-k correct. */
  public Metrics(int numClasses, int topK) {
    this.numClasses = numClasses;
    this.topK = Math.max(1, Math.min(topK, numClasses));
    this.confusion = new long[numClasses][numClasses];
  }

  /** Adds a batch: row-major probabilities [n, classes] and labels [n]. */
  public void add(float[] probabilities, int[] labels, int n) {
    for (int i = 0; i < n; i++) {
      int offset = i * numClasses;
      int label = labels[i];
      float p = probabilities[offset + label];
      lossSum += -Math.log(Math.max(p, 1e-12f));
      int predicted = 0;
      int higher = 0;
      for (int c = 0; c < numClasses; c++) {
        float q = probabilities[offset + c];
        if (q > probabilities[offset + predicted]) {
          predicted = c;
        }
        if (q > p) {
          higher++;
        }
      }
      confusion[label][predicted]++;
      if (predicted == label) {
        correct++;
      }
      if (higher < topK) {
        correctTopK++;
      }
      count++;
    }
  }

  /** Mean cross-entropy of the true class. */
  public double loss() {
    return count == 0 ? Double.NaN : lossSum / count;
  }

  /** Fraction classified correctly. */
  public double accuracy() {
    return count == 0 ? Double.NaN : (double) correct / count;
  }

  /** Mean recall over the classes present: accuracy that an imbalanced data set cannot inflate. */
  public double balancedAccuracy() {
    double sum = 0;
    int present = 0;
    for (int c = 0; c < numClasses; c++) {
      double r = recall(c);
      if (!Double.isNaN(r)) {
        sum += r;
        present++;
      }
    }
    return present == 0 ? Double.NaN : sum / present;
  }

  /** Fraction whose true class is among the {@link #topK()} most probable. */
  public double topKAccuracy() {
    return count == 0 ? Double.NaN : (double) correctTopK / count;
  }

  /** The k of top-k accuracy. */
  public int topK() {
    return topK;
  }

  /** Examples seen. */
  public long count() {
    return count;
  }

  /** Confusion matrix: rows are true classes, columns predicted ones. */
  public long[][] confusion() {
    long[][] copy = new long[numClasses][];
    for (int i = 0; i < numClasses; i++) {
      copy[i] = confusion[i].clone();
    }
    return copy;
  }

  /** Precision of class {@code c} (NaN when never predicted). */
  public double precision(int c) {
    long predicted = 0;
    for (int r = 0; r < numClasses; r++) {
      predicted += confusion[r][c];
    }
    return predicted == 0 ? Double.NaN : (double) confusion[c][c] / predicted;
  }

  /** Recall of class {@code c} (NaN when absent). */
  public double recall(int c) {
    long actual = 0;
    for (long v : confusion[c]) {
      actual += v;
    }
    return actual == 0 ? Double.NaN : (double) confusion[c][c] / actual;
  }
}
