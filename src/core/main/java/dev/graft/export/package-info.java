/**
 * Writing the retrained model as a SavedModel that TensorFlow Serving, Python and Graft load:
 * the serving graph, signatures, labels, metadata, written atomically.
 */
package dev.graft.export;
