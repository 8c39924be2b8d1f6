/**
 * The {@code graft} command line: inspect, retrain, evaluate and predict, one picocli class each,
 * with progress bars, plots and one-paragraph errors.
 */
package dev.graft.cli;
