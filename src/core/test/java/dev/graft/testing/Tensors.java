package dev.graft.testing;

import dev.graft.GraftModel;
import dev.graft.graph.VariableSnapshot;
import java.util.List;
import org.tensorflow.Tensor;
import org.tensorflow.ndarray.buffer.ByteDataBuffer;
import org.tensorflow.proto.DataType;
import org.tensorflow.types.TString;

/** Reading and comparing tensors for tests. */
public final class Tensors {

  private Tensors() {}

  /** The elements of a float tensor. */
  public static float[] floats(Tensor t) {
    if (t.dataType() != DataType.DT_FLOAT) {
      throw new IllegalArgumentException("Expected a float tensor, got " + t.dataType());
    }
    float[] out = new float[(int) t.shape().size()];
    t.asRawTensor().data().asFloats().read(out);
    return out;
  }

  /** The current values of the float variables {@code names} of {@code model}, one array per name, in order. */
  public static float[][] variableValues(GraftModel model, List<String> names) {
    float[][] values = new float[names.size()][];
    try (VariableSnapshot s = model.model().readVariables(names)) {
      for (int i = 0; i < names.size(); i++) {
        values[i] = floats(s.value(i));
      }
    }
    return values;
  }

  /** The raw bytes of the current values of the variables {@code names} of {@code model} (any dtype), in order. */
  public static byte[][] variableBytes(GraftModel model, List<String> names) {
    byte[][] values = new byte[names.size()][];
    try (VariableSnapshot s = model.model().readVariables(names)) {
      for (int i = 0; i < names.size(); i++) {
        ByteDataBuffer data = s.value(i).asRawTensor().data();
        values[i] = new byte[(int) data.size()];
        data.read(values[i]);
      }
    }
    return values;
  }

  /** Largest absolute difference between two tensors of the same shape (0 or infinity for non-floats). */
  public static double maxAbsDiff(Tensor a, Tensor b) {
    if (!a.shape().equals(b.shape()) || a.dataType() != b.dataType()) {
      return Double.POSITIVE_INFINITY;
    }
    if (a.dataType() == DataType.DT_FLOAT) {
      float[] x = floats(a);
      float[] y = floats(b);
      double max = 0;
      for (int i = 0; i < x.length; i++) {
        max = Math.max(max, Math.abs((double) x[i] - y[i]));
      }
      return max;
    }
    if (a.dataType() == DataType.DT_STRING) {
      var x = (TString) a;
      var y = (TString) b;
      for (long i = 0; i < x.shape().size(); i++) {
        if (!java.util.Arrays.equals(x.asBytes().getObject(i), y.asBytes().getObject(i))) {
          return Double.POSITIVE_INFINITY;
        }
      }
      return 0;
    }
    ByteDataBuffer x = a.asRawTensor().data();
    ByteDataBuffer y = b.asRawTensor().data();
    return x.equals(y) ? 0 : Double.POSITIVE_INFINITY;
  }
}
