package dev.graft.bench;

import dev.graft.data.LabeledData;
import dev.graft.data.view.LabeledDatas;
import java.nio.file.Path;
import java.util.Arrays;
import java.util.List;
import java.util.Map;
import java.util.SplittableRandom;
import org.deeplearning4j.nn.multilayer.MultiLayerNetwork;
import org.deeplearning4j.nn.transferlearning.TransferLearning;
import org.deeplearning4j.nn.transferlearning.TransferLearningHelper;
import org.nd4j.linalg.api.ndarray.INDArray;
import org.nd4j.linalg.dataset.DataSet;
import org.nd4j.linalg.factory.Nd4j;

/**
 * The Deeplearning4j side of the comparison, run in its own JVM (so its native memory and threads stay apart from
 * TensorFlow's): the same data, batch, optimizer and starting weights as the Graft runs, fed the way Graft feeds
 * (a shuffled gather of each batch from Java arrays, inside the timing). Prints {@code RESULT key=value} lines.
 *
 * <p>Arguments: weights file, head-only epochs, fine-tune examples, fine-tune rounds, policies (comma-separated,
 * {@code last:2} and/or {@code all}).
 */
public final class Dl4jRun {

  private static final int BATCH = GraftRuns.BATCH;
  private static final int CLASSES = 5;
  /** Untimed training batches before a fine-tuning measurement. */
  private static final int WARMUP = 10;

  private final float[] pixels;
  private final int[] labels;
  private final Map<String, Weights.Value> weights;

  private Dl4jRun(float[] pixels, int[] labels, Map<String, Weights.Value> weights) {
    this.pixels = pixels;
    this.labels = labels;
    this.weights = weights;
  }

  public static void main(String[] args) throws Exception {
    Map<String, Weights.Value> weights = Weights.readFile(Path.of(args[0]));
    int headEpochs = Integer.parseInt(args[1]);
    int fineTuneExamples = Integer.parseInt(args[2]);
    int rounds = Integer.parseInt(args[3]);
    List<String> policies = Arrays.asList(args[4].split(","));
    BenchData data = BenchData.open();
    Dl4jRun run = new Dl4jRun(BenchData.scaledPixels(data.train()), LabeledDatas.labels(data.train()), weights);
    ChildJvm.result("threads", Nd4j.getEnvironment().maxMasterThreads() + "," + Nd4j.getEnvironment().maxThreads());
    run.headOnly(headEpochs, data.test());
    for (String policy : policies) {
      run.fineTune(policy, Math.min(fineTuneExamples, run.labels.length), rounds);
    }
    ChildJvm.result("rss.peak", String.valueOf(Rss.peak()));
  }

  private MultiLayerNetwork network() {
    MultiLayerNetwork net = Dl4jModel.build(GraftRuns.SEED, GraftRuns.LEARNING_RATE);
    Dl4jModel.importBackbone(net, weights);
    return net;
  }

  /** TransferLearningHelper's path: featurize every example once (epoch 1), then fit the head on the features. */
  private void headOnly(int epochs, LabeledData test) {
    TransferLearningHelper helper = new TransferLearningHelper(network(), Dl4jModel.LAST_BACKBONE_LAYER);
    int n = labels.length;
    long start = System.nanoTime();
    float[] cache = null;
    int each = 0;
    for (int from = 0; from < n; from += GraftRuns.CACHE_BATCH) {
      int size = Math.min(GraftRuns.CACHE_BATCH, n - from);
      INDArray features = helper.featurize(new DataSet(images(identity(from, size)), oneHot(identity(from, size))))
          .getFeatures();
      if (cache == null) {
        each = (int) (features.length() / size);
        cache = new float[Math.multiplyExact(n, each)];
      }
      float[] values = features.dup('c').data().asFloat();
      System.arraycopy(values, 0, cache, from * each, size * each);
    }
    double featurizeSeconds = (System.nanoTime() - start) / 1e9;
    double first = 0;
    double laterSum = 0;
    for (int epoch = 0; epoch < epochs; epoch++) {
      long epochStart = System.nanoTime();
      int[] order = shuffled(n, epoch);
      for (int from = 0; from < n; from += BATCH) {
        int size = Math.min(BATCH, n - from);
        int[] idx = Arrays.copyOfRange(order, from, from + size);
        // The helper's head network lacks the CNN-to-dense preprocessor of the original: flatten here (NCHW order).
        helper.fitFeaturized(new DataSet(Nd4j.create(gather(cache, each, idx), new long[] {size, each}, 'c'),
            oneHot(idx)));
      }
      double seconds = (System.nanoTime() - epochStart) / 1e9;
      if (epoch == 0) {
        first = featurizeSeconds + seconds;
      } else {
        laterSum += seconds;
      }
    }
    ChildJvm.result("head.featurize_s", String.valueOf(featurizeSeconds));
    ChildJvm.result("head.first_s", String.valueOf(first));
    ChildJvm.result("head.first_ex_s", String.valueOf(n / first));
    ChildJvm.result("head.cached_s", String.valueOf(laterSum / (epochs - 1)));
    ChildJvm.result("head.cached_ex_s", String.valueOf(n * (epochs - 1) / laterSum));
    ChildJvm.result("head.test_acc", String.valueOf(testAccuracy(helper, test)));
  }

  private static double testAccuracy(TransferLearningHelper helper, LabeledData test) {
    float[] x = BenchData.scaledPixels(test);
    int[] y = LabeledDatas.labels(test);
    INDArray features = helper.featurize(new DataSet(Nd4j.create(x, new long[] {y.length, 1, 28, 28}, 'c'),
        Nd4j.zeros(y.length, CLASSES))).getFeatures();
    INDArray predicted = helper.outputFromFeaturized(features.reshape('c', y.length, features.length() / y.length))
        .argMax(1);
    int correct = 0;
    for (int i = 0; i < y.length; i++) {
      if (predicted.getInt(i) == y[i]) {
        correct++;
      }
    }
    return (double) correct / y.length;
  }

  /**
   * {@code last:2} (frozen layers through TransferLearning's feature extractor, no cache) or {@code all}:
   * {@code WARMUP} untimed batches, then the median of {@code rounds} timed epochs over {@code n} examples.
   */
  private void fineTune(String policy, int n, int rounds) {
    MultiLayerNetwork net = switch (policy) {
      case "all" -> network();
      case "last:2" -> new TransferLearning.Builder(network()).setFeatureExtractor(Dl4jModel.LAST_FROZEN_FOR_LAST2)
          .build();
      default -> throw new IllegalArgumentException("The DL4J side knows policies last:2 and all, not " + policy);
    };
    int[] warm = shuffled(n, -1);
    for (int b = 0; b < WARMUP; b++) {
      net.fit(new DataSet(images(Arrays.copyOfRange(warm, b * BATCH, (b + 1) * BATCH)),
          oneHot(Arrays.copyOfRange(warm, b * BATCH, (b + 1) * BATCH))));
    }
    double[] exPerSec = new double[rounds];
    for (int round = 0; round < rounds; round++) {
      long start = System.nanoTime();
      int[] order = shuffled(n, round);
      for (int from = 0; from < n; from += BATCH) {
        int[] idx = Arrays.copyOfRange(order, from, Math.min(n, from + BATCH));
        net.fit(new DataSet(images(idx), oneHot(idx)));
      }
      exPerSec[round] = n / ((System.nanoTime() - start) / 1e9);
    }
    ChildJvm.result("ft." + policy + ".ex_s", String.valueOf(Stats.median(exPerSec)));
  }

  private INDArray images(int[] idx) {
    return Nd4j.create(gather(pixels, 784, idx), new long[] {idx.length, 1, 28, 28}, 'c');
  }

  private INDArray oneHot(int[] idx) {
    float[] values = new float[idx.length * CLASSES];
    for (int i = 0; i < idx.length; i++) {
      values[i * CLASSES + labels[idx[i]]] = 1;
    }
    return Nd4j.create(values, new long[] {idx.length, CLASSES}, 'c');
  }

  private static float[] gather(float[] source, int each, int[] idx) {
    float[] out = new float[idx.length * each];
    for (int i = 0; i < idx.length; i++) {
      System.arraycopy(source, idx[i] * each, out, i * each, each);
    }
    return out;
  }

  private static int[] identity(int from, int size) {
    int[] idx = new int[size];
    for (int i = 0; i < size; i++) {
      idx[i] = from + i;
    }
    return idx;
  }

  private static int[] shuffled(int n, int epoch) {
    int[] order = identity(0, n);
    SplittableRandom rng = new SplittableRandom(GraftRuns.SEED * 31 + epoch);
    for (int i = n - 1; i > 0; i--) {
      int j = rng.nextInt(i + 1);
      int t = order[i];
      order[i] = order[j];
      order[j] = t;
    }
    return order;
  }
}
