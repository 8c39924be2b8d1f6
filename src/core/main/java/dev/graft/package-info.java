/**
 * Transfer learning on TensorFlow SavedModels from Java: {@link dev.graft.Graft#load} is the entry point,
 * {@link dev.graft.GraftModel} swaps the head, trains and exports.
 */
package dev.graft;
