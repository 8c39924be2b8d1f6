/**
 * The benchmark: Graft against Python Keras on real backbones, and Graft's training paths against the limits
 * TensorFlow sets on this machine and against Deeplearning4j; run it with {@code mvn -Pbench verify} (README,
 * "Benchmark").
 */
package dev.graft.bench;
