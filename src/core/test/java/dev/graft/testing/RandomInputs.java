package dev.graft.testing;

import dev.graft.model.TensorSpec;
import java.util.Random;
import org.tensorflow.Graph;
import org.tensorflow.GraphOperation;
import org.tensorflow.Tensor;
import org.tensorflow.ndarray.Shape;
import org.tensorflow.ndarray.buffer.DataBuffers;
import org.tensorflow.proto.DataType;
import org.tensorflow.proto.Example;
import org.tensorflow.proto.Feature;
import org.tensorflow.proto.Features;
import org.tensorflow.proto.FloatList;
import org.tensorflow.proto.Int64List;
import org.tensorflow.proto.BytesList;
import org.tensorflow.types.TFloat32;
import org.tensorflow.types.TInt32;
import org.tensorflow.types.TInt64;
import org.tensorflow.types.TString;

/** Random tensors shaped from a signature's input, for equivalence tests. */
public final class RandomInputs {

  private RandomInputs() {}

  /** A random tensor for the spec with batch size {@code batch} (unknown dims become {@code batch}). */
  public static Tensor of(TensorSpec spec, int batch, Random random, Graph graph) {
    long[] dims = spec.shape() == null ? new long[0] : spec.shape().clone();
    for (int i = 0; i < dims.length; i++) {
      if (dims[i] < 0) {
        dims[i] = batch;
      }
    }
    Shape shape = Shape.of(dims);
    int size = (int) shape.size();
    DataType dtype = spec.dtype();
    switch (dtype) {
      case DT_FLOAT -> {
        float[] values = new float[size];
        for (int i = 0; i < size; i++) {
          values[i] = random.nextFloat();
        }
        return TFloat32.tensorOf(shape, DataBuffers.of(values, true, false));
      }
      case DT_INT32 -> {
        int[] values = new int[size];
        for (int i = 0; i < size; i++) {
          values[i] = random.nextInt(10);
        }
        return TInt32.tensorOf(shape, DataBuffers.of(values, true, false));
      }
      case DT_INT64 -> {
        long[] values = new long[size];
        for (int i = 0; i < size; i++) {
          values[i] = random.nextInt(10);
        }
        return TInt64.tensorOf(shape, DataBuffers.of(values, true, false));
      }
      case DT_STRING -> {
        byte[][] examples = new byte[size][];
        for (int i = 0; i < size; i++) {
          examples[i] = example(graph, random).toByteArray();
        }
        return TString.tensorOfBytes(org.tensorflow.ndarray.NdArrays.vectorOfObjects(examples));
      }
      default -> throw new IllegalArgumentException("No random input for dtype " + dtype);
    }
  }

  /** A tf.Example with a random value for every dense feature that the graph's example parser reads. */
  public static Example example(Graph graph, Random random) {
    Features.Builder features = Features.newBuilder();
    graph.operations().forEachRemaining(op -> {
      if (!op.type().equals("ParseExampleV2")) {
        return;
      }
      GraphOperation parse = (GraphOperation) op;
      // inputs: serialized, names, sparse_keys, dense_keys, ragged_keys, dense_defaults...
      String[] denseKeys = constStrings(parse.input(3).op());
      DataType[] types = parse.attributes().getAttrTypeList("Tdense");
      long[][] shapes = denseShapes(parse);
      for (int k = 0; k < denseKeys.length; k++) {
        int n = 1;
        for (long d : shapes[k]) {
          n *= (int) Math.max(d, 1);
        }
        Feature.Builder f = Feature.newBuilder();
        if (types[k] == DataType.DT_FLOAT) {
          FloatList.Builder list = FloatList.newBuilder();
          for (int i = 0; i < n; i++) {
            list.addValue(random.nextFloat() * 10);
          }
          f.setFloatList(list);
        } else if (types[k] == DataType.DT_INT64) {
          Int64List.Builder list = Int64List.newBuilder();
          for (int i = 0; i < n; i++) {
            list.addValue(random.nextInt(5));
          }
          f.setInt64List(list);
        } else {
          BytesList.Builder list = BytesList.newBuilder();
          for (int i = 0; i < n; i++) {
            list.addValue(com.google.protobuf.ByteString.copyFromUtf8("v" + random.nextInt(5)));
          }
          f.setBytesList(list);
        }
        features.putFeature(denseKeys[k], f.build());
      }
    });
    return Example.newBuilder().setFeatures(features).build();
  }

  private static long[][] denseShapes(GraphOperation parse) {
    var shapes = parse.attributes().getAttrValueProto("dense_shapes").getList().getShapeList();
    long[][] out = new long[shapes.size()][];
    for (int i = 0; i < out.length; i++) {
      out[i] = shapes.get(i).getDimList().stream().mapToLong(d -> d.getSize()).toArray();
    }
    return out;
  }

  private static String[] constStrings(org.tensorflow.Operation operation) {
    GraphOperation op = (GraphOperation) operation;
    var proto = op.attributes().getAttrValueProto("value").getTensor();
    String[] out = new String[proto.getStringValCount()];
    for (int i = 0; i < out.length; i++) {
      out[i] = proto.getStringVal(i).toStringUtf8();
    }
    return out;
  }
}
