package dev.graft.bench;

import java.util.Map;
import org.deeplearning4j.nn.conf.ConvolutionMode;
import org.deeplearning4j.nn.conf.MultiLayerConfiguration;
import org.deeplearning4j.nn.conf.NeuralNetConfiguration;
import org.deeplearning4j.nn.conf.inputs.InputType;
import org.deeplearning4j.nn.conf.layers.ActivationLayer;
import org.deeplearning4j.nn.conf.layers.BatchNormalization;
import org.deeplearning4j.nn.conf.layers.ConvolutionLayer;
import org.deeplearning4j.nn.conf.layers.DenseLayer;
import org.deeplearning4j.nn.conf.layers.OutputLayer;
import org.deeplearning4j.nn.conf.layers.SubsamplingLayer;
import org.deeplearning4j.nn.multilayer.MultiLayerNetwork;
import org.deeplearning4j.nn.weights.WeightInit;
import org.nd4j.linalg.activations.Activation;
import org.nd4j.linalg.api.buffer.DataType;
import org.nd4j.linalg.api.ndarray.INDArray;
import org.nd4j.linalg.factory.Nd4j;
import org.nd4j.linalg.learning.config.Adam;
import org.nd4j.linalg.lossfunctions.LossFunctions;

/**
 * fashion_cnn in Deeplearning4j: Conv(3x3,16,same)+BN+ReLU+MaxPool2, Conv(3x3,32,same)+BN+ReLU+MaxPool2, flatten,
 * Dense(64, relu), Dense(5, softmax); Adam (lr 0.001, epsilon 1e-7 as Keras), Glorot-uniform initial values,
 * batch-norm epsilon 0.001 and momentum 0.99 as Keras. Input NCHW [N,1,28,28] (for one channel the same bytes as
 * TensorFlow's NHWC).
 */
final class Dl4jModel {

  /** Index of the last layer of the convolutional backbone (the second max-pool): what head-only training freezes. */
  static final int LAST_BACKBONE_LAYER = 7;
  /** Index of the last layer that {@code last:2} freezes (the first max-pool): conv2d_1 and its batch norm train. */
  static final int LAST_FROZEN_FOR_LAST2 = 3;

  private Dl4jModel() {}

  static MultiLayerNetwork build(long seed, double learningRate) {
    MultiLayerConfiguration conf = new NeuralNetConfiguration.Builder()
        .seed(seed).dataType(DataType.FLOAT).updater(new Adam(learningRate, 0.9, 0.999, 1e-7))
        .weightInit(WeightInit.XAVIER_UNIFORM)
        .list()
        .layer(conv(1, 16)).layer(batchNorm()).layer(relu()).layer(pool())
        .layer(conv(16, 32)).layer(batchNorm()).layer(relu()).layer(pool())
        .layer(new DenseLayer.Builder().nOut(64).activation(Activation.RELU).build())
        .layer(new OutputLayer.Builder(LossFunctions.LossFunction.MCXENT).nOut(5).activation(Activation.SOFTMAX).build())
        .setInputType(InputType.convolutional(28, 28, 1))
        .build();
    MultiLayerNetwork net = new MultiLayerNetwork(conf);
    net.init();
    return net;
  }

  private static ConvolutionLayer conv(int in, int out) {
    return new ConvolutionLayer.Builder(3, 3).nIn(in).nOut(out).stride(1, 1).convolutionMode(ConvolutionMode.Same)
        .activation(Activation.IDENTITY).build();
  }

  private static BatchNormalization batchNorm() {
    return new BatchNormalization.Builder().eps(1e-3).decay(0.99).useLogStd(false).build();
  }

  private static ActivationLayer relu() {
    return new ActivationLayer.Builder().activation(Activation.RELU).build();
  }

  private static SubsamplingLayer pool() {
    return new SubsamplingLayer.Builder(SubsamplingLayer.PoolingType.MAX).kernelSize(2, 2).stride(2, 2).build();
  }

  /** Copies fashion_cnn's trained convolution and batch-norm values (TensorFlow layout) into the network. */
  static void importBackbone(MultiLayerNetwork net, Map<String, Weights.Value> weights) {
    importConv(net, 0, weights, "conv2d");
    importBatchNorm(net, 1, weights, "batch_normalization");
    importConv(net, 4, weights, "conv2d_1");
    importBatchNorm(net, 5, weights, "batch_normalization_1");
  }

  private static void importConv(MultiLayerNetwork net, int layer, Map<String, Weights.Value> weights, String name) {
    Weights.Value kernel = require(weights, name + "/kernel");
    long[] s = kernel.shape(); // [kh, kw, in, out]
    INDArray hwio = Nd4j.create(kernel.values(), s, 'c');
    set(net, layer, "W", hwio.permute(3, 2, 0, 1).dup('c'));
    set(net, layer, "b", Nd4j.create(require(weights, name + "/bias").values()));
  }

  private static void importBatchNorm(MultiLayerNetwork net, int layer, Map<String, Weights.Value> weights,
      String name) {
    set(net, layer, "gamma", Nd4j.create(require(weights, name + "/gamma").values()));
    set(net, layer, "beta", Nd4j.create(require(weights, name + "/beta").values()));
    set(net, layer, "mean", Nd4j.create(require(weights, name + "/moving_mean").values()));
    set(net, layer, "var", Nd4j.create(require(weights, name + "/moving_variance").values()));
  }

  private static void set(MultiLayerNetwork net, int layer, String param, INDArray value) {
    INDArray target = net.getLayer(layer).getParam(param);
    if (target == null) {
      throw new IllegalStateException("Layer " + layer + " has no parameter '" + param + "'; it has "
          + net.getLayer(layer).paramTable().keySet());
    }
    if (target.length() != value.length()) {
      throw new IllegalStateException("Layer " + layer + " parameter '" + param + "' has " + target.length()
          + " values, the SavedModel's has " + value.length());
    }
    target.assign(value.reshape(target.shape()));
  }

  private static Weights.Value require(Map<String, Weights.Value> weights, String name) {
    Weights.Value v = weights.get(name);
    if (v == null) {
      throw new IllegalStateException("No variable '" + name + "' among " + weights.keySet());
    }
    return v;
  }
}
