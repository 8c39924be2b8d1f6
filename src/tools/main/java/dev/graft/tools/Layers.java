package dev.graft.tools;

import java.util.List;
import org.tensorflow.Operand;
import org.tensorflow.op.Ops;
import org.tensorflow.op.nn.FusedBatchNorm;
import org.tensorflow.proto.DataType;
import org.tensorflow.types.TFloat32;

/** The Keras layers the fixture models are made of, as TensorFlow's raw ops compute them. */
final class Layers {

  private Layers() {}

  /** What a {@link Dense} layer applies to its result. */
  enum Activation { NONE, RELU, SOFTMAX }

  /** {@code Conv2D(filters, 3x3, padding="same")} with a bias and no activation. */
  record Conv2D(String name, int inChannels, int filters) implements Layer {
    @Override
    public List<VariableSpec> variables() {
      return List.of(
          new VariableSpec(name + "/kernel", new long[] {3, 3, inChannels, filters}, VariableSpec.Init.GLOROT_UNIFORM, true),
          new VariableSpec(name + "/bias", new long[] {filters}, VariableSpec.Init.ZEROS, true));
    }

    @Override
    public Operand<TFloat32> apply(LayerContext context, Operand<TFloat32> x) {
      Ops tf = context.ops();
      Operand<TFloat32> kernel = context.read(name + "/kernel", "Conv2D");
      Operand<TFloat32> conv = tf.withName("Conv2D").nn.conv2d(x, kernel, List.of(1L, 1L, 1L, 1L), "SAME");
      Operand<TFloat32> bias = context.read(name + "/bias", "BiasAdd");
      return tf.withName("BiasAdd").nn.biasAdd(conv, bias);
    }

    @Override
    public String describe() {
      return "Conv2D " + filters + " filters 3x3, padding same, bias";
    }
  }

  /** {@code BatchNormalization()} over the channel axis: momentum 0.99, epsilon 0.001, like Keras. */
  record BatchNorm(String name, int channels) implements Layer {
    static final float EPSILON = 1e-3f;
    static final float MOMENTUM = 0.99f;

    @Override
    public List<VariableSpec> variables() {
      long[] shape = {channels};
      return List.of(
          new VariableSpec(name + "/gamma", shape, VariableSpec.Init.ONES, true),
          new VariableSpec(name + "/beta", shape, VariableSpec.Init.ZEROS, true),
          new VariableSpec(name + "/moving_mean", shape, VariableSpec.Init.ZEROS, false),
          new VariableSpec(name + "/moving_variance", shape, VariableSpec.Init.ONES, false));
    }

    /**
     * In training the op normalizes with the batch's statistics and, through its exponential
     * average factor, also returns the updated moving statistics, which the training step assigns.
     */
    @Override
    public Operand<TFloat32> apply(LayerContext context, Operand<TFloat32> x) {
      Operand<TFloat32> gamma = context.read(name + "/gamma", "");
      Operand<TFloat32> beta = context.read(name + "/beta", "");
      Operand<TFloat32> mean = context.read(name + "/moving_mean", "FusedBatchNormV3");
      Operand<TFloat32> variance = context.read(name + "/moving_variance", "FusedBatchNormV3");
      boolean training = context.training();
      FusedBatchNorm<TFloat32, TFloat32> norm = context.ops().withName("FusedBatchNormV3").nn.fusedBatchNorm(
          x, gamma, beta, mean, variance, FusedBatchNorm.epsilon(EPSILON), FusedBatchNorm.dataFormat("NHWC"),
          FusedBatchNorm.isTraining(training), FusedBatchNorm.exponentialAvgFactor(training ? 1 - MOMENTUM : 1f));
      if (training) {
        context.update(name + "/moving_mean", norm.batchMean());
        context.update(name + "/moving_variance", norm.batchVariance());
      }
      return norm.y();
    }

    @Override
    public String describe() {
      return "BatchNormalization (fused, epsilon 0.001, momentum 0.99)";
    }
  }

  /** {@code ReLU()}. */
  record ReLU(String name) implements Layer {
    @Override
    public List<VariableSpec> variables() {
      return List.of();
    }

    @Override
    public Operand<TFloat32> apply(LayerContext context, Operand<TFloat32> x) {
      return context.ops().withName("Relu").nn.relu(x);
    }

    @Override
    public String describe() {
      return "ReLU";
    }
  }

  /** {@code MaxPooling2D(2)}: the {@code MaxPool} op with 2x2 windows and stride 2, as Keras writes it. */
  record MaxPool(String name) implements Layer {
    @Override
    public List<VariableSpec> variables() {
      return List.of();
    }

    @Override
    public Operand<TFloat32> apply(LayerContext context, Operand<TFloat32> x) {
      var scope = context.ops().scope();
      return scope.opBuilder("MaxPool", "MaxPool").addInput(x.asOutput())
          .setAttr("T", DataType.DT_FLOAT)
          .setAttr("ksize", new long[] {1, 2, 2, 1}).setAttr("strides", new long[] {1, 2, 2, 1})
          .setAttr("padding", "VALID").setAttr("data_format", "NHWC").build().output(0);
    }

    @Override
    public String describe() {
      return "MaxPooling2D 2x2";
    }
  }

  /** {@code Flatten()} of an input with {@code features} values per example. */
  record Flatten(String name, int features) implements Layer {
    @Override
    public List<VariableSpec> variables() {
      return List.of();
    }

    @Override
    public Operand<TFloat32> apply(LayerContext context, Operand<TFloat32> x) {
      Ops tf = context.ops();
      return tf.withName("Reshape").reshape(x, tf.withName("Const").constant(new int[] {-1, features}));
    }

    @Override
    public String describe() {
      return "Flatten to " + features;
    }
  }

  /**
   * {@code Dense(units, activation)}. While training, a softmax activation is left out: the loss
   * takes the logits.
   */
  record Dense(String name, int inputs, int units, Activation activation) implements Layer {
    @Override
    public List<VariableSpec> variables() {
      return List.of(
          new VariableSpec(name + "/kernel", new long[] {inputs, units}, VariableSpec.Init.GLOROT_UNIFORM, true),
          new VariableSpec(name + "/bias", new long[] {units}, VariableSpec.Init.ZEROS, true));
    }

    @Override
    public Operand<TFloat32> apply(LayerContext context, Operand<TFloat32> x) {
      Ops tf = context.ops();
      Operand<TFloat32> kernel = context.read(name + "/kernel", "MatMul");
      Operand<TFloat32> product = tf.withName("MatMul").linalg.matMul(x, kernel);
      Operand<TFloat32> bias = context.read(name + "/bias", "BiasAdd");
      Operand<TFloat32> logits = tf.withName("BiasAdd").nn.biasAdd(product, bias);
      return switch (activation) {
        case NONE -> logits;
        case RELU -> tf.withName("Relu").nn.relu(logits);
        case SOFTMAX -> context.training() ? logits : tf.withName("Softmax").nn.softmax(logits);
      };
    }

    @Override
    public String describe() {
      return "Dense " + units + (activation == Activation.NONE ? "" : ", " + activation.name().toLowerCase());
    }
  }
}
