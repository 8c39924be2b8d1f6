package dev.graft.train;

import java.util.List;

/**
 * The outcome of a run.
 *
 * @param history metrics per epoch
 * @param bestEpoch the epoch whose weights the model holds now (1-based)
 * @param stoppedEarly whether early stopping ended the run
 * @param validation metrics of the final weights on the validation data, or null without it
 * @param featureCacheUsed whether backbone features were computed once and reused
 * @param skippedWhileTraining training items that turned out unreadable and were skipped (with skip-bad)
 * @param devices the devices TensorFlow ran the training step's ops on, busiest first, as TensorFlow names them
 *     ({@code CPU:0}, {@code GPU:0}); a GPU appears when TensorFlow reports one and places ops there
 * @param plan the phases the run was planned with, every automatic value resolved
 * @param warmupEpochs epochs of {@code history} that were the frozen warm-up before fine-tuning (0 without one)
 */
public record TrainResult(List<EpochMetrics> history, int bestEpoch, boolean stoppedEarly, Metrics validation,
    boolean featureCacheUsed, int skippedWhileTraining, List<String> devices, TrainPlan plan, int warmupEpochs) {

  /** The best validation score of the warm-up epochs (NaN without a warm-up or validation), by {@code monitor}. */
  public double warmupBest(Monitor monitor) {
    double best = Double.NaN;
    for (int i = 0; i < warmupEpochs; i++) {
      EpochMetrics m = history.get(i);
      double score = monitor.score(m);
      if (Double.isNaN(best) || score > best) {
        best = score;
      }
    }
    return best;
  }
}
