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
 */
public record TrainResult(List<EpochMetrics> history, int bestEpoch, boolean stoppedEarly, Metrics validation,
    boolean featureCacheUsed, int skippedWhileTraining, List<String> devices) {}
