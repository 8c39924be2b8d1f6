package dev.graft.train;

/** Receives training progress; every method does nothing unless overridden. */
public interface TrainingListener {

  /** Before the first epoch. */
  default void onTrainStart(int epochs, int batchesPerEpoch) {}

  /** Before the first epoch of a phase of the plan (its first epoch is 1-based, counted over the run). */
  default void onPhaseStart(TrainPlan.Phase phase, int firstEpoch) {}

  /** Before an epoch (1-based). */
  default void onEpochStart(int epoch) {}

  /** After a training batch, with the epoch's running loss and accuracy. */
  default void onBatchEnd(int epoch, int batch, int examples, double runningLoss, double runningAccuracy) {}

  /** After an epoch and its validation. */
  default void onEpochEnd(EpochMetrics metrics) {}

  /** After training stopped (normally or early). */
  default void onTrainEnd(TrainResult result) {}
}
