package dev.graft.tools;

import java.util.Arrays;
import java.util.Random;
import org.tensorflow.ndarray.Shape;

/**
 * A float variable of a fixture model, named as Keras names it ({@code conv2d/kernel}).
 *
 * @param name node name of the variable
 * @param shape dimensions
 * @param init how its first value is drawn
 * @param trainable whether the optimizer updates it (batch-norm moving statistics are not)
 */
record VariableSpec(String name, long[] shape, Init init, boolean trainable) {

  /** Initial values, as Keras' defaults for each kind of variable. */
  enum Init { GLOROT_UNIFORM, ZEROS, ONES }

  /** Element count. */
  int size() {
    long size = 1;
    for (long d : shape) {
      size *= d;
    }
    return Math.toIntExact(size);
  }

  Shape tfShape() {
    return Shape.of(shape);
  }

  /** Draws the initial value; Glorot-uniform kernels read their fans from the shape ({@code [.., in, out]}). */
  float[] initialValue(Random random) {
    float[] values = new float[size()];
    switch (init) {
      case ZEROS -> { }
      case ONES -> Arrays.fill(values, 1f);
      case GLOROT_UNIFORM -> {
        long receptive = 1;
        for (int i = 0; i < shape.length - 2; i++) {
          receptive *= shape[i];
        }
        double fanIn = receptive * shape[shape.length - 2];
        double fanOut = receptive * shape[shape.length - 1];
        double limit = Math.sqrt(6 / (fanIn + fanOut));
        for (int i = 0; i < values.length; i++) {
          values[i] = (float) ((random.nextDouble() * 2 - 1) * limit);
        }
      }
    }
    return values;
  }
}
