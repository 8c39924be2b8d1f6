/**
 * The readers, the first stage of the data pipeline: image folders and file lists, IDX, CSV and TFRecord files, the
 * bundled Fashion-MNIST set and arrays in memory, each opened as a {@code LabeledData} with the {@code DataOptions}
 * that say how (target shape, classes, bad-item policy, format keys). Views, batches and data specs build on them.
 */
package dev.graft.data.read;
