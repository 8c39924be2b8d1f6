package dev.graft.export;

import java.nio.ByteBuffer;
import java.nio.ByteOrder;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Map;
import org.tensorflow.Result;
import org.tensorflow.SavedModelBundle;
import org.tensorflow.Tensor;
import org.tensorflow.ndarray.Shape;
import org.tensorflow.ndarray.buffer.DataBuffers;
import org.tensorflow.types.TFloat32;

/**
 * Run in a separate JVM by tests: loads an export with TensorFlow's SavedModel loader, feeds the
 * little-endian floats of a file as input {@code KEY} of shape {@code [N, ...]} and writes the
 * {@code probabilities} output as little-endian floats.
 */
public final class ExportProbe {

  private ExportProbe() {}

  /** Arguments: export folder, input key, input file, output file, then the input shape. */
  public static void main(String[] args) throws Exception {
    byte[] raw = Files.readAllBytes(Path.of(args[2]));
    float[] values = new float[raw.length / 4];
    ByteBuffer.wrap(raw).order(ByteOrder.LITTLE_ENDIAN).asFloatBuffer().get(values);
    long[] shape = new long[args.length - 4];
    for (int i = 4; i < args.length; i++) {
      shape[i - 4] = Long.parseLong(args[i]);
    }
    try (SavedModelBundle bundle = SavedModelBundle.load(args[0], "serve");
        TFloat32 input = TFloat32.tensorOf(Shape.of(shape), DataBuffers.of(values, true, false));
        Result result = bundle.call(Map.of(args[1], input))) {
      Tensor p = result.get("probabilities").orElseThrow();
      float[] out = new float[(int) p.shape().size()];
      p.asRawTensor().data().asFloats().read(out);
      ByteBuffer buffer = ByteBuffer.allocate(out.length * 4).order(ByteOrder.LITTLE_ENDIAN);
      buffer.asFloatBuffer().put(out);
      Files.write(Path.of(args[3]), buffer.array());
    }
  }

  /** Writes floats little-endian. */
  static void writeFloats(Path file, float[] values) throws java.io.IOException {
    ByteBuffer buffer = ByteBuffer.allocate(values.length * 4).order(ByteOrder.LITTLE_ENDIAN);
    buffer.asFloatBuffer().put(values);
    Files.write(file, buffer.array());
  }

  /** Reads little-endian floats. */
  static float[] readFloats(Path file) throws java.io.IOException {
    byte[] raw = Files.readAllBytes(file);
    float[] values = new float[raw.length / 4];
    ByteBuffer.wrap(raw).order(ByteOrder.LITTLE_ENDIAN).asFloatBuffer().get(values);
    return values;
  }
}
