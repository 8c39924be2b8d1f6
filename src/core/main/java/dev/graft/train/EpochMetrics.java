package dev.graft.train;

/**
 * What one epoch measured.
 *
 * @param epoch 1-based epoch number
 * @param trainLoss mean training loss (with dropout and label smoothing as trained)
 * @param trainAccuracy training accuracy
 * @param valLoss validation cross-entropy, NaN without validation data
 * @param valAccuracy validation accuracy, NaN without validation data
 * @param valTopK validation top-k accuracy, NaN without validation data
 * @param learningRate head learning rate at the epoch's end
 * @param seconds wall time of the epoch, validation included
 * @param examplesPerSecond training examples per second
 * @param trainedVariables variables updated in this epoch
 */
public record EpochMetrics(int epoch, double trainLoss, double trainAccuracy, double valLoss, double valAccuracy,
    double valTopK, double learningRate, double seconds, double examplesPerSecond, int trainedVariables) {}
