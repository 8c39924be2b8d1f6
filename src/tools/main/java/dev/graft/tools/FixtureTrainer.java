package dev.graft.tools;

import dev.graft.graph.VariableIo;
import dev.graft.graph.VariableSnapshot;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Random;
import java.util.function.Consumer;
import org.tensorflow.Graph;
import org.tensorflow.Operand;
import org.tensorflow.Output;
import org.tensorflow.Result;
import org.tensorflow.Session;
import org.tensorflow.Tensor;
import org.tensorflow.ndarray.Shape;
import org.tensorflow.ndarray.buffer.DataBuffers;
import org.tensorflow.op.Op;
import org.tensorflow.op.Ops;
import org.tensorflow.op.core.Placeholder;
import org.tensorflow.proto.ConfigProto;
import org.tensorflow.proto.DataType;
import org.tensorflow.types.TFloat32;

/**
 * Trains a {@link FixtureModel} on Fashion-MNIST in one flat graph of raw ops: resource
 * variables, gradients of a softmax cross-entropy with respect to the variable reads, and Adam
 * with slot variables of its own.
 *
 * <p>Everything random comes from the seed: the initial values (drawn in Java) and the order of
 * the examples in each epoch. TensorFlow runs each op on at most {@link Settings#threads} threads.
 */
final class FixtureTrainer {

  private static final float BETA_1 = 0.9f;
  private static final float BETA_2 = 0.999f;
  private static final float EPSILON = 1e-7f;
  private static final int EVAL_BATCH = 1000;

  /**
   * How to train.
   *
   * @param epochs passes over the training images
   * @param batchSize images per step
   * @param learningRate Adam's step size
   * @param seed seeds initial values and shuffling
   * @param threads threads each TensorFlow op may use
   */
  record Settings(int epochs, int batchSize, float learningRate, long seed, int threads) {}

  /**
   * One finished epoch.
   *
   * @param epoch 1-based
   * @param loss mean training loss over the epoch's steps
   * @param testAccuracy accuracy on the test images after the epoch
   * @param seconds time the epoch took, evaluation included
   */
  record Epoch(int epoch, double loss, double testAccuracy, double seconds) {}

  /**
   * The trained values and the history.
   *
   * @param weights every variable of the model, in {@link FixtureModel#variables()} order
   * @param epochs one entry per epoch
   */
  record Trained(List<Weight> weights, List<Epoch> epochs) {}

  private final FixtureModel model;
  private final Settings settings;
  private final Consumer<String> progress;

  FixtureTrainer(FixtureModel model, Settings settings, Consumer<String> progress) {
    this.model = model;
    this.settings = settings;
    this.progress = progress;
  }

  /** A session configuration that keeps TensorFlow to {@code threads} threads per op and one op at a time. */
  static ConfigProto sessionConfig(int threads) {
    return ConfigProto.newBuilder().setIntraOpParallelismThreads(threads).setInterOpParallelismThreads(1).build();
  }

  Trained train(FashionSubset train, FashionSubset test) {
    try (Graph graph = new Graph(); Session session = new Session(graph, sessionConfig(settings.threads()))) {
      Steps steps = buildGraph(graph);
      initialize(graph, session);
      List<Epoch> epochs = new ArrayList<>();
      Random shuffle = new Random(settings.seed() + 1);
      int[] order = new int[train.count()];
      for (int i = 0; i < order.length; i++) {
        order[i] = i;
      }
      long step = 0;
      for (int epoch = 1; epoch <= settings.epochs(); epoch++) {
        long start = System.nanoTime();
        shuffle(order, shuffle);
        double lossSum = 0;
        int batches = 0;
        for (int from = 0; from < order.length; from += settings.batchSize()) {
          int to = Math.min(order.length, from + settings.batchSize());
          step++;
          lossSum += trainStep(session, steps, train, order, from, to, step);
          batches++;
        }
        double accuracy = accuracy(session, steps.probabilities, test);
        double seconds = (System.nanoTime() - start) / 1e9;
        epochs.add(new Epoch(epoch, lossSum / batches, accuracy, seconds));
        progress.accept(String.format("%s epoch %d/%d: loss %.4f, test accuracy %.4f (%.1f s)", model.name(), epoch,
            settings.epochs(), lossSum / batches, accuracy, seconds));
      }
      return new Trained(readWeights(graph, session), epochs);
    }
  }

  /** The ops a training step and an evaluation run. */
  private record Steps(Op train, Operand<TFloat32> loss, Operand<TFloat32> probabilities) {}

  private Steps buildGraph(Graph graph) {
    Ops tf = Ops.create(graph);
    Map<String, Operand<?>> handles = new LinkedHashMap<>();
    for (VariableSpec spec : model.variables()) {
      handles.put(spec.name(), variable(graph, spec.name(), spec.tfShape()));
    }
    Placeholder<TFloat32> images = tf.withName("images")
        .placeholder(TFloat32.class, Placeholder.shape(Shape.of(-1, 28, 28, 1)));
    Placeholder<TFloat32> labels = tf.withName("labels")
        .placeholder(TFloat32.class, Placeholder.shape(Shape.of(-1, model.numClasses())));
    List<Op> updates = new ArrayList<>();
    List<LayerContext.ReadRecord> reads = new ArrayList<>();
    List<Operand<TFloat32>> outputs = model.forward(graph, "train", images,
        LayerContext.resourceReads(graph, handles::get, reads), true, updates);
    Operand<TFloat32> logits = outputs.get(outputs.size() - 1);
    Operand<TFloat32> loss = tf.withName("loss").math.mean(
        tf.nn.softmaxCrossEntropyWithLogits(logits, labels).loss(), tf.constant(0));

    Map<String, VariableSpec> specs = new LinkedHashMap<>();
    model.variables().forEach(v -> specs.put(v.name(), v));
    List<LayerContext.ReadRecord> trainable = reads.stream().filter(r -> specs.get(r.variable()).trainable()).toList();
    var gradients = tf.gradients(loss, trainable.stream().map(LayerContext.ReadRecord::value).toList());
    Ops adam = tf.withSubScope("adam");
    Operand<TFloat32> beta1Power = adam.withName("beta1_power").placeholder(TFloat32.class,
        Placeholder.shape(Shape.scalar()));
    Operand<TFloat32> beta2Power = adam.withName("beta2_power").placeholder(TFloat32.class,
        Placeholder.shape(Shape.scalar()));
    List<Op> applies = new ArrayList<>(updates);
    for (int i = 0; i < trainable.size(); i++) {
      String name = trainable.get(i).variable();
      Shape shape = specs.get(name).tfShape();
      @SuppressWarnings("unchecked")
      Operand<TFloat32> gradient = (Operand<TFloat32>) (Operand<?>) gradients.dy(i);
      applies.add(adam.train.resourceApplyAdam(handles.get(name), variable(graph, name + "/Adam", shape),
          variable(graph, name + "/Adam_1", shape), beta1Power, beta2Power,
          adam.constant(settings.learningRate()), adam.constant(BETA_1), adam.constant(BETA_2),
          adam.constant(EPSILON), gradient));
    }
    Op train = tf.withControlDependencies(applies).withName("train").noOp();

    List<Operand<TFloat32>> eval = model.forward(graph, "eval", images,
        LayerContext.resourceReads(graph, handles::get, new ArrayList<>()), false, List.of());
    return new Steps(train, loss, eval.get(eval.size() - 1));
  }

  /** A float resource variable whose shared name is its node name, as Keras makes them. */
  static Operand<?> variable(Graph graph, String name, Shape shape) {
    return graph.opBuilder("VarHandleOp", name, graph.baseScope())
        .setAttr("dtype", DataType.DT_FLOAT).setAttr("shape", shape)
        .setAttr("shared_name", name).setAttr("container", "")
        .build().output(0);
  }

  private void initialize(Graph graph, Session session) {
    Random random = new Random(settings.seed());
    List<String> names = new ArrayList<>();
    List<Tensor> values = new ArrayList<>();
    try {
      for (VariableSpec spec : model.variables()) {
        names.add(spec.name());
        values.add(new Weight(spec.name(), spec.shape(), spec.initialValue(random)).tensor());
        if (spec.trainable()) {
          for (String slot : List.of("/Adam", "/Adam_1")) {
            names.add(spec.name() + slot);
            values.add(new Weight(spec.name() + slot, spec.shape(), new float[spec.size()]).tensor());
          }
        }
      }
      new VariableIo(graph, "init").assign(session, names, values::get);
    } finally {
      values.forEach(Tensor::close);
    }
  }

  private double trainStep(Session session, Steps steps, FashionSubset data, int[] order, int from, int to, long step) {
    int n = to - from;
    float[] pixels = new float[n * FashionSubset.PIXELS];
    float[] oneHot = new float[n * model.numClasses()];
    for (int i = 0; i < n; i++) {
      int example = order[from + i];
      System.arraycopy(data.images(), example * FashionSubset.PIXELS, pixels, i * FashionSubset.PIXELS,
          FashionSubset.PIXELS);
      oneHot[i * model.numClasses() + data.labels()[example]] = 1;
    }
    try (TFloat32 images = TFloat32.tensorOf(Shape.of(n, 28, 28, 1), DataBuffers.of(pixels, true, false));
        TFloat32 labels = TFloat32.tensorOf(Shape.of(n, model.numClasses()), DataBuffers.of(oneHot, true, false));
        TFloat32 beta1Power = TFloat32.scalarOf((float) Math.pow(BETA_1, step));
        TFloat32 beta2Power = TFloat32.scalarOf((float) Math.pow(BETA_2, step));
        Result result = session.runner()
            .feed("images", images).feed("labels", labels)
            .feed("adam/beta1_power", beta1Power).feed("adam/beta2_power", beta2Power)
            .addTarget(steps.train).fetch(steps.loss).run()) {
      return ((TFloat32) result.get(0)).getFloat();
    }
  }

  /** Accuracy of the inference forward pass on {@code data}. */
  private static double accuracy(Session session, Operand<TFloat32> scores, FashionSubset data) {
    int correct = 0;
    for (int from = 0; from < data.count(); from += EVAL_BATCH) {
      int n = Math.min(EVAL_BATCH, data.count() - from);
      float[] pixels = Arrays.copyOfRange(data.images(), from * FashionSubset.PIXELS,
          (from + n) * FashionSubset.PIXELS);
      try (TFloat32 images = TFloat32.tensorOf(Shape.of(n, 28, 28, 1), DataBuffers.of(pixels, true, false));
          Result result = session.runner().feed("images", images).fetch(scores).run()) {
        float[] values = new float[(int) result.get(0).shape().size()];
        result.get(0).asRawTensor().data().asFloats().read(values);
        correct += Predictions.correct(values, data.labels(), from, n);
      }
    }
    return (double) correct / data.count();
  }

  private List<Weight> readWeights(Graph graph, Session session) {
    List<String> names = model.variables().stream().map(VariableSpec::name).toList();
    List<Weight> weights = new ArrayList<>();
    try (VariableSnapshot snapshot = new VariableIo(graph, "trained").read(session, names)) {
      for (VariableSpec spec : model.variables()) {
        float[] values = new float[spec.size()];
        snapshot.value(spec.name()).asRawTensor().data().asFloats().read(values);
        weights.add(new Weight(spec.name(), spec.shape(), values));
      }
    }
    return weights;
  }

  private static void shuffle(int[] order, Random random) {
    for (int i = order.length - 1; i > 0; i--) {
      int j = random.nextInt(i + 1);
      int t = order[i];
      order[i] = order[j];
      order[j] = t;
    }
  }
}
