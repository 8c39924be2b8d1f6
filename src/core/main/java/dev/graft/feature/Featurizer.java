package dev.graft.feature;

import dev.graft.graph.ReservedNames;
import dev.graft.graph.TensorRef;
import dev.graft.head.CutChoice;
import dev.graft.data.batch.Batch;
import dev.graft.data.batch.BatchIterator;
import dev.graft.data.batch.BatchStream;
import dev.graft.data.ExampleKind;
import dev.graft.data.LabeledData;
import dev.graft.data.view.LabeledDatas;
import dev.graft.data.transform.Preprocessing;
import dev.graft.graph.Pooling;
import java.util.ArrayList;
import java.util.HashSet;
import java.util.List;
import java.util.Set;
import org.tensorflow.Graph;
import org.tensorflow.Operand;
import org.tensorflow.Output;
import org.tensorflow.Result;
import org.tensorflow.Session;
import org.tensorflow.Tensor;
import org.tensorflow.ndarray.Shape;
import org.tensorflow.ndarray.buffer.DataBuffers;
import org.tensorflow.op.Ops;
import org.tensorflow.types.TFloat32;

/**
 * The backbone's features at one or more cut tensors, pooled to one vector per example: the feature pass of
 * head-only training, the cut search, and any other user of the features retrain trains on (the same cut, pooling
 * and preprocessing give the same numbers).
 *
 * <p>Raw example values are scaled with the featurizer's {@link Preprocessing} first, as training scales them.
 * Every tensor is fetched in the same {@code Session.run}, so several cuts cost one forward pass. The featurizer
 * uses the model's graph and session, which its owner keeps open and closes.
 *
 * <pre>{@code
 * try (GraftModel model = Graft.load(dir, CutChoice.layer("global_average_pooling2d"))) {
 *   Featurizer features = model.withPreprocessing(Preprocessing.symmetric()).featurizer();
 *   float[] rows = features.compute(pixels, 8);   // 8 examples of raw 0..255 pixels -> 8 x featureSize(0)
 * }
 * }</pre>
 */
public final class Featurizer {

  /** Scope prefix of the pooling ops a featurizer adds to a graph. */
  public static final String SCOPE = ReservedNames.FEATURES;

  /** Receives the features of each batch of a pass. */
  @FunctionalInterface
  public interface Sink {
    /**
     * Takes the features of {@code batch}: {@code features.get(i)} holds {@code batch.size()} rows of
     * {@link #featureSize featureSize(i)} floats; both are closed after the call.
     */
    void accept(Batch batch, List<Tensor> features);
  }

  private final Session session;
  private final Output<?> input;
  private final long[] inputShape;
  private final List<Output<?>> outputs;
  private final long[] sizes;
  private final Preprocessing preprocessing;
  private int runs;

  private Featurizer(Session session, Output<?> input, List<Output<?>> outputs, long[] sizes,
      Preprocessing preprocessing) {
    this.session = session;
    this.input = input;
    long[] shape = input.shape().asArray();
    this.inputShape = shape == null ? new long[0] : shape;
    this.outputs = List.copyOf(outputs);
    this.sizes = sizes;
    this.preprocessing = preprocessing;
  }

  /**
   * A featurizer of {@code tensors} of {@code graph}, each pooled with {@code pooling} (pooling ops are added to the
   * graph under {@value #SCOPE}; vectors are fetched as they are).
   *
   * @param input the model input tensor fed with examples
   * @param preprocessing how raw example values are scaled first ({@link Preprocessing#none()} for scaled data)
   * @throws IllegalArgumentException when a tensor cannot be pooled to a vector (see {@link Pooling#featureSize})
   */
  public static Featurizer of(Graph graph, Session session, String input, List<String> tensors, Pooling pooling,
      Preprocessing preprocessing) {
    Ops tf = null;
    List<Output<?>> outputs = new ArrayList<>();
    long[] sizes = new long[tensors.size()];
    for (int i = 0; i < tensors.size(); i++) {
      Output<TFloat32> map = graph.outputOrThrow(tensors.get(i)).expect(TFloat32.class);
      sizes[i] = pooling.featureSize(map.shape());
      if (map.shape().numDimensions() == 2) {
        outputs.add(map);
        continue;
      }
      if (tf == null) {
        tf = Ops.create(graph).withSubScope(freeScope(graph));
      }
      Operand<TFloat32> pooled = pooling.apply(tf.withSubScope("cut_" + i), map);
      outputs.add(pooled.asOutput());
    }
    return new Featurizer(session, graph.outputOrThrow(input), outputs, sizes, preprocessing);
  }

  private static String freeScope(Graph graph) {
    Set<String> used = new HashSet<>();
    graph.operations().forEachRemaining(op -> {
      int slash = op.name().indexOf('/');
      used.add(slash < 0 ? op.name() : op.name().substring(0, slash));
    });
    String scope = SCOPE;
    for (int n = 2; used.contains(scope); n++) {
      scope = SCOPE + "_" + n;
    }
    return scope;
  }

  /** Number of cut tensors. */
  public int tensors() {
    return outputs.size();
  }

  /** The tensor fetched for cut {@code i}: the cut itself when it is a vector, else its pooled map ("op:index"). */
  public String tensor(int i) {
    return TensorRef.of(outputs.get(i)).toString();
  }

  /** Features per example of tensor {@code i}. */
  public long featureSize(int i) {
    return sizes[i];
  }

  /** {@code Session.run} calls made so far: one per batch, whatever the number of tensors. */
  public int runs() {
    return runs;
  }

  /**
   * The features of {@code count} examples of raw values (for images: HWC pixels 0..255, back to back), for the
   * first tensor: {@code count} rows of {@code featureSize(0)} floats. {@code raw} is not changed.
   */
  public float[] compute(float[] raw, int count) {
    long each = 1;
    for (int d = 1; d < inputShape.length; d++) {
      each *= inputShape[d];
    }
    if (inputShape.length < 2 || each <= 0 || raw.length < count * each) {
      throw new IllegalArgumentException("compute() takes examples of the model input's shape "
          + java.util.Arrays.toString(inputShape) + " back to back; got " + raw.length + " values for " + count
          + " examples");
    }
    float[] scaled = java.util.Arrays.copyOf(raw, (int) (count * each));
    int channels = (int) inputShape[inputShape.length - 1];
    float[] scale = preprocessing.scale(channels);
    float[] offset = preprocessing.offset(channels);
    for (int i = 0; i < scaled.length; i++) {
      scaled[i] = scaled[i] * scale[i % channels] + offset[i % channels];
    }
    long[] dims = inputShape.clone();
    dims[0] = count;
    try (TFloat32 x = TFloat32.tensorOf(Shape.of(dims), DataBuffers.of(scaled, true, false));
        Result result = session.runner().feed(input, x).fetch(outputs.get(0)).run()) {
      runs++;
      float[] out = new float[(int) (count * sizes[0])];
      result.get(0).asRawTensor().data().asFloats().read(out);
      return out;
    }
  }

  /**
   * One pass over {@code data} in order: examples are read and decoded on worker threads (in parallel for images),
   * batches prepared ahead while TensorFlow runs, and each batch's features handed to {@code sink}.
   *
   * @param skipBad whether unreadable examples are left out (and counted) instead of stopping the pass
   * @return the number of examples left out as unreadable
   */
  public int pass(LabeledData data, boolean skipBad, Sink sink) {
    LabeledData scaled = LabeledDatas.preprocessed(data, preprocessing);
    try (BatchStream stream = BatchStream.builder().setData(scaled).setBatchSize(BatchStream.forwardBatchSize(data)).optShuffle(false)
        .optWorkers(workers(data)).optPrefetch(2).optSkipBad(skipBad).build();
        BatchIterator batches = stream.epoch(0)) {
      while (batches.hasNext()) {
        try (Batch batch = batches.next()) {
          Session.Runner runner = session.runner().feed(input, batch.features());
          outputs.forEach(runner::fetch);
          try (Result result = runner.run()) {
            runs++;
            List<Tensor> features = new ArrayList<>();
            for (int i = 0; i < outputs.size(); i++) {
              features.add(result.get(i));
            }
            sink.accept(batch, features);
          }
        }
      }
      return stream.skipped();
    }
  }

  /** Decoding threads for {@code data}: one per core (at most 4) for images, one for data already in memory. */
  public static int workers(LabeledData data) {
    boolean images = data.kind() == ExampleKind.FLOAT && data.exampleShape().length == 3;
    return images ? Math.max(1, Math.min(4, Runtime.getRuntime().availableProcessors())) : 1;
  }
}
