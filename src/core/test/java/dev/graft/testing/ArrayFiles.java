package dev.graft.testing;

import com.fasterxml.jackson.databind.JsonNode;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.ByteBuffer;
import java.nio.ByteOrder;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import org.tensorflow.Tensor;
import org.tensorflow.ndarray.Shape;
import org.tensorflow.ndarray.buffer.DataBuffers;
import org.tensorflow.types.TFloat32;
import org.tensorflow.types.TString;

/**
 * Arrays handed to and from the Python scripts ({@code src/python/arrays.py}): raw little-endian files
 * described by {@code {"file", "dtype", "shape"}}, strings inline as {@code {"strings", "shape"}}.
 */
public final class ArrayFiles {

  private ArrayFiles() {}

  /** Writes floats of the given shape and returns their descriptor. */
  public static Map<String, Object> floats(Path file, float[] values, long... shape) {
    ByteBuffer buffer = ByteBuffer.allocate(values.length * 4).order(ByteOrder.LITTLE_ENDIAN);
    buffer.asFloatBuffer().put(values);
    write(file, buffer.array());
    return descriptor(file, "float32", shape);
  }

  /** The descriptor of UTF-8 strings of the given shape. */
  public static Map<String, Object> strings(List<String> values, long... shape) {
    Map<String, Object> d = new LinkedHashMap<>();
    d.put("strings", values);
    d.put("shape", shape);
    return d;
  }

  /** Writes a float or string tensor and returns its descriptor. */
  public static Map<String, Object> tensor(Path file, Tensor t) {
    long[] shape = t.shape().asArray();
    if (t instanceof TString s) {
      List<String> values = new ArrayList<>();
      for (long i = 0; i < t.shape().size(); i++) {
        values.add(new String(s.asBytes().getObject(index(shape, i)), java.nio.charset.StandardCharsets.UTF_8));
      }
      return strings(values, shape);
    }
    return floats(file, Tensors.floats(t), shape);
  }

  private static long[] index(long[] shape, long flat) {
    long[] idx = new long[shape.length];
    for (int d = shape.length - 1; d >= 0; d--) {
      idx[d] = flat % shape[d];
      flat /= shape[d];
    }
    return idx;
  }

  /** A tensor from floats of the given shape (the caller closes it). */
  public static TFloat32 floatTensor(float[] values, long... shape) {
    return TFloat32.tensorOf(Shape.of(shape), DataBuffers.of(values, true, false));
  }

  /** The floats of a float32 descriptor that Python wrote. */
  public static float[] readFloats(JsonNode desc) {
    if (!"float32".equals(desc.path("dtype").asText())) {
      throw new IllegalArgumentException("expected float32 values, got " + desc);
    }
    try {
      byte[] raw = Files.readAllBytes(Path.of(desc.path("file").asText()));
      float[] values = new float[raw.length / 4];
      ByteBuffer.wrap(raw).order(ByteOrder.LITTLE_ENDIAN).asFloatBuffer().get(values);
      return values;
    } catch (IOException e) {
      throw new UncheckedIOException(e);
    }
  }

  /** The shape of a descriptor. */
  public static long[] shape(JsonNode desc) {
    long[] shape = new long[desc.path("shape").size()];
    for (int i = 0; i < shape.length; i++) {
      shape[i] = desc.path("shape").get(i).asLong();
    }
    return shape;
  }

  /** Little-endian floats of a file (the fixtures' reference input and output). */
  public static float[] readFloats(Path file) {
    try {
      byte[] raw = Files.readAllBytes(file);
      float[] values = new float[raw.length / 4];
      ByteBuffer.wrap(raw).order(ByteOrder.LITTLE_ENDIAN).asFloatBuffer().get(values);
      return values;
    } catch (IOException e) {
      throw new UncheckedIOException(e);
    }
  }

  private static Map<String, Object> descriptor(Path file, String dtype, long[] shape) {
    Map<String, Object> d = new LinkedHashMap<>();
    d.put("file", file.toAbsolutePath().toString());
    d.put("dtype", dtype);
    d.put("shape", shape);
    return d;
  }

  private static void write(Path file, byte[] bytes) {
    try {
      Files.createDirectories(file.toAbsolutePath().getParent());
      Files.write(file, bytes);
    } catch (IOException e) {
      throw new UncheckedIOException(e);
    }
  }
}
