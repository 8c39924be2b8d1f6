/**
 * The new classifier head: hidden ReLU layers, dropout in the training graph only, dense + softmax,
 * initialised from the run's seed.
 */
package dev.graft.head;
