/**
 * The data pipeline's shared types: {@code LabeledData} (random-access labelled examples), {@code ExampleKind} and
 * {@code SkippedItem}. Its subpackages are the pipeline's stages, each above this one: {@code read} (readers),
 * {@code transform} (preprocessing, augmentation), {@code view} (subsets, classes, splits), {@code batch} (tensors
 * for TensorFlow) and {@code spec} (a data spec string to opened data).
 */
package dev.graft.data;
