package dev.graft.data;

/** What one example is: a float array of a fixed shape, or a serialized byte string. */
public enum ExampleKind {
  /** Examples are read with {@link LabeledData#readFloats}. */
  FLOAT,
  /** Examples are read with {@link LabeledData#readBytes}, for example serialized {@code tf.Example}s. */
  STRING
}
