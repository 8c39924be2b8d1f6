package dev.graft.model;

import java.util.Arrays;
import org.tensorflow.proto.DataType;

/**
 * A variable of the model: the resource variable node of the flattened graph that holds it.
 *
 * @param name node name of the variable in the flattened graph ({@code dense/kernel})
 * @param dtype element type
 * @param shape dimensions
 * @param trainable whether the exporting framework marked it trainable (batch-norm moving statistics are not)
 * @param layer the layer that owns it ({@code dense}), taken from the name
 */
public record VariableInfo(String name, DataType dtype, long[] shape, boolean trainable, String layer) {

  /** Number of elements. */
  public long size() {
    long size = 1;
    for (long d : shape) {
      size *= d;
    }
    return size;
  }

  /** The layer a variable name belongs to: the name without its last path segment. */
  public static String layerOf(String name) {
    int slash = name.lastIndexOf('/');
    return slash < 0 ? name : name.substring(0, slash);
  }

  @Override
  public boolean equals(Object o) {
    return o instanceof VariableInfo v && name.equals(v.name) && dtype == v.dtype && Arrays.equals(shape, v.shape)
        && trainable == v.trainable && layer.equals(v.layer);
  }

  @Override
  public int hashCode() {
    return name.hashCode();
  }

  @Override
  public String toString() {
    return name + ":" + TensorSpec.dtypeName(dtype) + Arrays.toString(shape).replace(" ", "") + (trainable ? "" : " (frozen)");
  }
}
