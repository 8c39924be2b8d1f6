package dev.graft.tools;

/** Arg-max helpers over row-major score matrices. */
final class Predictions {

  private Predictions() {}

  /** The index of the largest score of each row of {@code scores} ({@code rows x (scores.length / rows)}). */
  static int[] argMax(float[] scores, int rows) {
    int classes = scores.length / rows;
    int[] best = new int[rows];
    for (int r = 0; r < rows; r++) {
      for (int c = 1; c < classes; c++) {
        if (scores[r * classes + c] > scores[r * classes + best[r]]) {
          best[r] = c;
        }
      }
    }
    return best;
  }

  /** How many of {@code n} rows of scores pick {@code labels[from + row]}. */
  static int correct(float[] scores, int[] labels, int from, int n) {
    int[] predicted = argMax(scores, n);
    int correct = 0;
    for (int i = 0; i < n; i++) {
      correct += predicted[i] == labels[from + i] ? 1 : 0;
    }
    return correct;
  }
}
