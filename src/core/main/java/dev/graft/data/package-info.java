/**
 * Reads labelled examples from image folders, IDX, CSV and TFRecord files, and the bundled Fashion-MNIST set.
 * Splits, augments and preprocesses them, and feeds TensorFlow in prefetched, closeable batches.
 */
package dev.graft.data;
