/**
 * Training only what the freeze policy selects: loss, gradients and optimizer updates over resource
 * variables, schedules, feature caching, early stopping, checkpoints and metrics.
 */
package dev.graft.train;
