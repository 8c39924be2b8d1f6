package dev.graft.bench;

import dev.graft.data.read.DataOptions;
import dev.graft.data.spec.DataSources;
import dev.graft.data.read.FashionMnist;
import dev.graft.data.LabeledData;
import dev.graft.data.view.LabeledDatas;
import dev.graft.data.transform.Preprocessing;
import java.util.ArrayList;
import java.util.List;
import java.util.stream.IntStream;
import org.tensorflow.ndarray.Shape;
import org.tensorflow.ndarray.buffer.DataBuffers;
import org.tensorflow.types.TFloat32;
import org.tensorflow.types.TInt32;

/**
 * The benchmark's data: Fashion-MNIST classes 5-9 as Graft reads them, and the same examples scaled to [0,1]
 * in plain arrays for the loops that feed tensors made before timing.
 */
final class BenchData {

  static final String CLASSES = "5,6,7,8,9";

  private final LabeledData train;
  private final LabeledData test;
  private final String source;

  private BenchData(LabeledData train, LabeledData test, String source) {
    this.train = train;
    this.test = test;
    this.source = source;
  }

  /** Opens {@code fashion-mnist:train} and {@code :test} with classes 5-9 (the Debian set, or the bundled subset). */
  static BenchData open() {
    DataOptions options = DataOptions.builder().optClasses(CLASSES).build();
    LabeledData train = DataSources.open("fashion-mnist:train", options);
    LabeledData test = DataSources.open("fashion-mnist:test", options);
    String source = FashionMnist.directory().map(Object::toString).orElse("the bundled subset");
    return new BenchData(train, test, source);
  }

  /** The training examples, raw pixels 0-255 (Graft scales them itself). */
  LabeledData train() {
    return train;
  }

  /** The held-out test examples, raw pixels 0-255. */
  LabeledData test() {
    return test;
  }

  /** The first {@code n} training examples (file order; the classes are mixed in it). */
  LabeledData trainSubset(int n) {
    int size = Math.min(n, train.size());
    return LabeledDatas.subset(train, IntStream.range(0, size).toArray());
  }

  /** Where the images came from. */
  String source() {
    return source;
  }

  /** Every example of {@code data} scaled to [0,1] as Graft's default preprocessing does, back to back. */
  static float[] scaledPixels(LabeledData data) {
    return LabeledDatas.readAll(LabeledDatas.preprocessed(data, Preprocessing.unit()));
  }

  /**
   * Tensors of consecutive batches of {@code data} (scaled to [0,1]) and their labels, made now, for loops that
   * time TensorFlow alone.
   */
  static Premade premade(LabeledData data, int batchSize) {
    return premade(scaledPixels(data), data.exampleShape(), LabeledDatas.labels(data), batchSize);
  }

  /** Tensors of consecutive batches of {@code values} (examples of {@code shape}, back to back) and labels. */
  static Premade premade(float[] values, long[] shape, int[] labels, int batchSize) {
    int each = (int) LabeledDatas.product(shape);
    List<TFloat32> features = new ArrayList<>();
    List<TInt32> labelTensors = new ArrayList<>();
    for (int from = 0; from < labels.length; from += batchSize) {
      int n = Math.min(batchSize, labels.length - from);
      long[] dims = new long[shape.length + 1];
      dims[0] = n;
      System.arraycopy(shape, 0, dims, 1, shape.length);
      features.add(TFloat32.tensorOf(Shape.of(dims), DataBuffers.of(values, true, false)
          .offset((long) from * each).narrow((long) n * each)));
      int[] slice = new int[n];
      System.arraycopy(labels, from, slice, 0, n);
      labelTensors.add(TInt32.tensorOf(Shape.of(n), DataBuffers.of(slice)));
    }
    return new Premade(features, labelTensors, labels.length);
  }

  /** Batches made before timing; closes their tensors. */
  record Premade(List<TFloat32> features, List<TInt32> labels, int examples) implements AutoCloseable {
    @Override
    public void close() {
      features.forEach(TFloat32::close);
      labels.forEach(TInt32::close);
    }
  }
}
