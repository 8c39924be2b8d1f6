package dev.graft.model;

import java.util.Arrays;
import org.tensorflow.proto.DataType;
import org.tensorflow.proto.TensorInfo;
import org.tensorflow.proto.TensorShapeProto;

/**
 * One input or output of a signature: its key, the graph tensor behind it, dtype and shape.
 *
 * @param key the signature's name for the tensor ({@code input_1})
 * @param tensor the graph tensor ({@code serving_default_input_1:0})
 * @param dtype element type
 * @param shape dimensions, -1 for unknown ones; {@code null} when even the rank is unknown
 */
public record TensorSpec(String key, String tensor, DataType dtype, long[] shape) {

  static TensorSpec of(String key, TensorInfo info) {
    TensorShapeProto shape = info.getTensorShape();
    long[] dims = !info.hasTensorShape() || shape.getUnknownRank() ? null
        : shape.getDimList().stream().mapToLong(TensorShapeProto.Dim::getSize).toArray();
    return new TensorSpec(key, info.getName(), info.getDtype(), dims);
  }

  /** The node that produces the tensor. */
  public String node() {
    int colon = tensor.indexOf(':');
    return colon < 0 ? tensor : tensor.substring(0, colon);
  }

  /** The output index of the tensor on its node. */
  public int index() {
    int colon = tensor.indexOf(':');
    return colon < 0 ? 0 : Integer.parseInt(tensor.substring(colon + 1));
  }

  /** Rank, or -1 when unknown. */
  public int rank() {
    return shape == null ? -1 : shape.length;
  }

  /** Readable dtype name: {@code float}, {@code int64}, {@code string}. */
  public String dtypeName() {
    return dtypeName(dtype);
  }

  /** Readable shape: {@code [-1,28,28,1]} or {@code <unknown rank>}. */
  public String shapeString() {
    return shape == null ? "<unknown rank>" : Arrays.toString(shape).replace(" ", "");
  }

  /** Readable name of a TensorFlow dtype. */
  public static String dtypeName(DataType dtype) {
    return dtype.name().substring(3).toLowerCase();
  }

  @Override
  public boolean equals(Object o) {
    return o instanceof TensorSpec t && key.equals(t.key) && tensor.equals(t.tensor) && dtype == t.dtype
        && Arrays.equals(shape, t.shape);
  }

  @Override
  public int hashCode() {
    return key.hashCode() * 31 + tensor.hashCode();
  }

  @Override
  public String toString() {
    return key + "=" + dtypeName() + shapeString();
  }
}
