package dev.graft.spark;

import java.io.IOException;
import java.nio.ByteBuffer;
import java.nio.ByteOrder;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import org.apache.spark.sql.Row;

/** Float arrays in tests: files of little-endian floats, Spark array cells, differences. */
final class Floats {

  private Floats() {}

  static void write(Path file, float[] values) throws IOException {
    ByteBuffer buffer = ByteBuffer.allocate(values.length * 4).order(ByteOrder.LITTLE_ENDIAN);
    buffer.asFloatBuffer().put(values);
    Files.write(file, buffer.array());
  }

  static float[] read(Path file) throws IOException {
    byte[] raw = Files.readAllBytes(file);
    float[] values = new float[raw.length / 4];
    ByteBuffer.wrap(raw).order(ByteOrder.LITTLE_ENDIAN).asFloatBuffer().get(values);
    return values;
  }

  /** Column {@code i} of a row, an {@code array<float>}. */
  static float[] cell(Row row, int i) {
    List<Float> values = row.getList(i);
    float[] out = new float[values.size()];
    for (int k = 0; k < out.length; k++) {
      out[k] = values.get(k);
    }
    return out;
  }

  static double maxAbsDiff(float[] a, float[] b) {
    if (a.length != b.length) {
      throw new AssertionError("lengths differ: " + a.length + " and " + b.length);
    }
    double worst = 0;
    for (int i = 0; i < a.length; i++) {
      worst = Math.max(worst, Math.abs(a[i] - b[i]));
    }
    return worst;
  }
}
