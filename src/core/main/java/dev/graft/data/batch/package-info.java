/**
 * The last stage of the data pipeline: {@code BatchStream} reads examples (through any views) into TensorFlow
 * tensors, in a seeded per-epoch order, with optional augmentation, prepared on background threads; each
 * {@code Batch} owns its tensors and is closed by its user. Training, evaluation and feature passes consume it.
 */
package dev.graft.data.batch;
