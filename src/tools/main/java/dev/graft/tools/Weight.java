package dev.graft.tools;

import org.tensorflow.ndarray.Shape;
import org.tensorflow.ndarray.buffer.DataBuffers;
import org.tensorflow.types.TFloat32;

/**
 * The value of one variable after training.
 *
 * @param name node name of the variable
 * @param shape dimensions
 * @param values elements, row-major
 */
record Weight(String name, long[] shape, float[] values) {

  /** A new tensor holding the value; the caller closes it. */
  TFloat32 tensor() {
    return TFloat32.tensorOf(Shape.of(shape), DataBuffers.of(values, true, false));
  }
}
