package dev.graft.head;

import dev.graft.graph.CutPoint;
import dev.graft.graph.Pooling;
import dev.graft.graph.TensorRef;
import dev.graft.model.LoadedModel;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.SplittableRandom;
import org.tensorflow.Graph;
import org.tensorflow.Operand;
import org.tensorflow.Output;
import org.tensorflow.Tensor;
import org.tensorflow.ndarray.Shape;
import org.tensorflow.ndarray.buffer.DataBuffers;
import org.tensorflow.op.Ops;
import org.tensorflow.op.core.VarHandleOp;
import org.tensorflow.types.TFloat32;
import org.tensorflow.types.TInt64;

/**
 * Appends a {@link Head} to a graph at a feature tensor.
 *
 * <p>Kernels start Glorot-uniform and biases zero, drawn from the run's seed, so the same seed
 * gives the same head. Dropout uses stateless random ops seeded per step, so a resumed run drops
 * the same units as an uninterrupted one.
 */
public final class HeadBuilder {

  private HeadBuilder() {}

  /** Whether dropout ops are built (training graph) or left out (serving graph). */
  public enum Mode { TRAIN, SERVE }

  /**
   * Adds the head's ops reading {@code features} (flattened to [N, featureSize] when needed).
   *
   * @param graph the graph holding the feature tensor
   * @param features the feature tensor ({@code node:index})
   * @param featureSize elements per example of the feature tensor
   */
  public static Head build(Graph graph, String features, long featureSize, HeadSpec spec, Mode mode) {
    return build(graph, features, Pooling.FLATTEN, spec, mode, freeScope(graph));
  }

  /** Adds the head's ops at {@code cut}: its feature tensor, pooled as the cut says, feeds the dense layers. */
  public static Head build(Graph graph, CutPoint cut, HeadSpec spec, Mode mode) {
    return build(graph, cut.features(), cut.pooling(), spec, mode, freeScope(graph));
  }

  /** Adds the head's ops at {@code cut} under {@code scope}, which no op of the graph may use yet. */
  public static Head build(Graph graph, CutPoint cut, HeadSpec spec, Mode mode, String scope) {
    return build(graph, cut.features(), cut.pooling(), spec, mode, scope);
  }

  /** The first of {@code graft_head}, {@code graft_head_2}, ... that no op of the graph uses. */
  public static String freeScope(Graph graph) {
    java.util.Set<String> used = new java.util.HashSet<>();
    graph.operations().forEachRemaining(op -> {
      int slash = op.name().indexOf('/');
      used.add(slash < 0 ? op.name() : op.name().substring(0, slash));
    });
    String scope = Head.SCOPE;
    for (int n = 2; used.contains(scope); n++) {
      scope = Head.SCOPE + "_" + n;
    }
    return scope;
  }

  /** Adds the head's ops under {@code scope}, which no op of the graph may use yet; the features are flattened. */
  public static Head build(Graph graph, String features, long featureSize, HeadSpec spec, Mode mode, String scope) {
    return build(graph, features, Pooling.FLATTEN, spec, mode, scope);
  }

  /**
   * Adds the head's ops under {@code scope}: {@code pooling} makes one vector per example of {@code features} (a
   * vector tensor is read as it is), then dropout, hidden layers and the classifier follow.
   */
  public static Head build(Graph graph, String features, Pooling pooling, HeadSpec spec, Mode mode, String scope) {
    Ops tf = Ops.create(graph).withSubScope(scope);
    Output<TFloat32> input = graph.outputOrThrow(features).expect(TFloat32.class);
    long featureSize = pooling.featureSize(input.shape());
    Operand<TFloat32> x = pooling.apply(tf, input);
    String pooled = name(x);
    Operand<TFloat32> rate = null;
    Operand<TInt64> seed = null;
    if (mode == Mode.TRAIN && spec.dropout() > 0) {
      rate = tf.withName("dropout_rate").placeholderWithDefault(tf.constant(0f), Shape.scalar());
      seed = tf.withName("dropout_seed").placeholderWithDefault(tf.constant(new long[] {0, 0}), Shape.of(2));
    }
    List<String> variables = new ArrayList<>();
    Map<String, String> reads = new HashMap<>();
    List<Integer> units = new ArrayList<>(spec.hidden());
    units.add(spec.numClasses());
    long inputs = featureSize;
    for (int layer = 0; layer < units.size(); layer++) {
      Ops dense = tf.withSubScope("dense_" + layer);
      if (rate != null) {
        x = dropout(dense, x, rate, tf.math.add(seed, tf.constant(new long[] {0, layer})));
      }
      VarHandleOp kernel = dense.withName("kernel").varHandleOp(TFloat32.class, Shape.of(inputs, units.get(layer)),
          VarHandleOp.sharedName(scope + "/dense_" + layer + "/kernel"));
      VarHandleOp bias = dense.withName("bias").varHandleOp(TFloat32.class, Shape.of(units.get(layer)),
          VarHandleOp.sharedName(scope + "/dense_" + layer + "/bias"));
      variables.add(kernel.op().name());
      variables.add(bias.op().name());
      Operand<TFloat32> kernelValue = dense.readVariableOp(kernel, TFloat32.class);
      Operand<TFloat32> biasValue = dense.readVariableOp(bias, TFloat32.class);
      reads.put(kernel.op().name(), name(kernelValue));
      reads.put(bias.op().name(), name(biasValue));
      Operand<TFloat32> z = dense.nn.biasAdd(dense.linalg.matMul(x, kernelValue), biasValue);
      x = layer < units.size() - 1 ? dense.nn.relu(z) : z;
      inputs = units.get(layer);
    }
    Operand<TFloat32> logits = tf.withName("logits").identity(x);
    Operand<TFloat32> probabilities = tf.withName("probabilities").nn.softmax(logits);
    return new Head(pooled, logits.asOutput().name(), probabilities.asOutput().name(), variables, reads,
        rate == null ? null : rate.asOutput().op().name(), seed == null ? null : seed.asOutput().op().name(), scope);
  }

  private static String name(Operand<TFloat32> x) {
    return new TensorRef(x.asOutput().op().name(), x.asOutput().index()).toString();
  }

  private static Operand<TFloat32> dropout(Ops tf, Operand<TFloat32> x, Operand<TFloat32> rate, Operand<TInt64> seed) {
    Operand<TFloat32> uniform = tf.random.statelessRandomUniform(tf.shape(x), seed, TFloat32.class);
    Operand<TFloat32> keep = tf.dtypes.cast(tf.math.greaterEqual(uniform, rate), TFloat32.class);
    Operand<TFloat32> scale = tf.math.div(tf.constant(1f), tf.math.sub(tf.constant(1f), rate));
    return tf.withName("dropout").math.mul(x, tf.math.mul(keep, scale));
  }

  /** Sets the head's kernels Glorot-uniform and biases zero, drawn from {@code seed}. */
  public static void initialize(LoadedModel model, Head head, long seed) {
    Graph graph = model.graph();
    SplittableRandom random = new SplittableRandom(seed);
    List<Tensor> values = new ArrayList<>();
    try {
      for (String name : head.variables()) {
        Shape varShape = graph.operationOrThrow(name).attributes().getAttrShape("shape");
        float[] init = new float[(int) varShape.size()];
        if (varShape.numDimensions() == 2) {
          double limit = Math.sqrt(6.0 / (varShape.size(0) + varShape.size(1)));
          for (int i = 0; i < init.length; i++) {
            init[i] = (float) ((random.nextDouble() * 2 - 1) * limit);
          }
        }
        values.add(TFloat32.tensorOf(varShape, DataBuffers.of(init, true, false)));
      }
      model.assignVariables(head.variables(), values::get);
    } finally {
      values.forEach(Tensor::close);
    }
  }
}
