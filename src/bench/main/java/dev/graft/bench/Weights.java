package dev.graft.bench;

import dev.graft.GraftModel;
import dev.graft.graph.VariableSnapshot;
import java.io.BufferedInputStream;
import java.io.BufferedOutputStream;
import java.io.DataInputStream;
import java.io.DataOutputStream;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import org.tensorflow.Tensor;

/**
 * Named float arrays with their shapes, written by the Graft side and read by the Deeplearning4j side so that both
 * start from fashion_cnn's trained convolution and batch-norm values.
 */
final class Weights {

  /** A variable's value: TensorFlow shape and row-major values. */
  record Value(long[] shape, float[] values) {}

  private Weights() {}

  /** Reads {@code names} from the model's session. */
  static Map<String, Value> read(GraftModel model, List<String> names) {
    Map<String, Value> out = new LinkedHashMap<>();
    try (VariableSnapshot snapshot = model.model().readVariables(names)) {
      for (int i = 0; i < names.size(); i++) {
        Tensor t = snapshot.value(i);
        float[] values = new float[(int) t.shape().size()];
        t.asRawTensor().data().asFloats().read(values);
        out.put(names.get(i), new Value(t.shape().asArray(), values));
      }
    }
    return out;
  }

  static void write(Path file, Map<String, Value> weights) throws IOException {
    try (DataOutputStream out = new DataOutputStream(new BufferedOutputStream(Files.newOutputStream(file)))) {
      out.writeInt(weights.size());
      for (Map.Entry<String, Value> e : weights.entrySet()) {
        out.writeUTF(e.getKey());
        out.writeInt(e.getValue().shape().length);
        for (long d : e.getValue().shape()) {
          out.writeLong(d);
        }
        out.writeInt(e.getValue().values().length);
        for (float v : e.getValue().values()) {
          out.writeFloat(v);
        }
      }
    }
  }

  static Map<String, Value> readFile(Path file) throws IOException {
    Map<String, Value> out = new LinkedHashMap<>();
    try (DataInputStream in = new DataInputStream(new BufferedInputStream(Files.newInputStream(file)))) {
      int count = in.readInt();
      for (int i = 0; i < count; i++) {
        String name = in.readUTF();
        long[] shape = new long[in.readInt()];
        for (int d = 0; d < shape.length; d++) {
          shape[d] = in.readLong();
        }
        float[] values = new float[in.readInt()];
        for (int v = 0; v < values.length; v++) {
          values[v] = in.readFloat();
        }
        out.put(name, new Value(shape, values));
      }
    }
    return out;
  }
}
