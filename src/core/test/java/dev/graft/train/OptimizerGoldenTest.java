package dev.graft.train;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.graft.Graft;
import dev.graft.GraftModel;
import dev.graft.data.batch.Batch;
import dev.graft.data.batch.BatchIterator;
import dev.graft.data.batch.BatchStream;
import dev.graft.data.LabeledData;
import dev.graft.data.transform.Preprocessing;
import dev.graft.head.HeadSpec;
import dev.graft.testing.TeacherData;
import dev.graft.testing.Tensors;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.stream.Stream;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.Arguments;
import org.junit.jupiter.params.provider.MethodSource;
import org.tensorflow.Result;

/**
 * Every optimizer under every schedule against golden values: the head's weights after a few steps
 * equal those recomputed here, step by step in double precision, from the update rules as TensorFlow's
 * kernels and the published algorithms define them (softmax cross-entropy gradient, SGD, momentum,
 * Nesterov momentum, Adam with bias correction, AdamW with decoupled decay), with the learning rate
 * of each schedule written out independently of {@link LrSchedule}.
 */
class OptimizerGoldenTest {

  private static final int EXAMPLES = 24;
  private static final int CLASSES = 3;
  private static final int STEPS = 4;
  private static final float LR = 0.05f;

  static Stream<Arguments> cases() {
    List<Arguments> cases = new ArrayList<>();
    for (String optimizer : List.of("sgd", "momentum:0.9", "nesterov:0.8", "adam", "adamw:0.1")) {
      for (String schedule : List.of("constant", "step:1:0.5", "cosine:1", "onecycle")) {
        cases.add(Arguments.of(optimizer, schedule));
      }
    }
    return cases.stream();
  }

  @ParameterizedTest(name = "{0} with {1}")
  @MethodSource("cases")
  void headWeightsEqualTheRecomputedSteps(String optimizer, String schedule) {
    try (GraftModel model = Graft.load(Path.of("savedmodels/fashion_mlp_tf1"))) {
      LabeledData data = TeacherData.make(model.model().input(), model.model().graph(), EXAMPLES, CLASSES, 3);
      model.withPreprocessing(Preprocessing.none()).replaceHead(HeadSpec.builder().setNumClasses(CLASSES).build());
      double[][] features = new double[EXAMPLES][];
      int[] labels = new int[EXAMPLES];
      featuresAtTheCut(model, data, features, labels);
      List<String> head = model.head().variables();
      float[][][] initial = new float[1][][];
      TrainingListener capture = new TrainingListener() {
        @Override
        public void onEpochStart(int epoch) {
          if (epoch == 1) {
            initial[0] = Tensors.variableValues(model, head);
          }
        }
      };
      // one batch of every example per epoch: the step's gradient does not depend on the shuffle
      model.train(data, null, TrainConfig.builder().setEpochs(STEPS).optBatchSize(EXAMPLES).optLearningRate(LR)
          .optOptimizer(OptimizerSpec.parse(optimizer)).optSchedule(LrSchedule.parse(schedule))
          .addListener(capture).build());
      float[][] trained = Tensors.variableValues(model, head);

      int featureSize = features[0].length;
      double[][] kernel = new double[featureSize][CLASSES];
      double[] bias = new double[CLASSES];
      for (int f = 0; f < featureSize; f++) {
        for (int c = 0; c < CLASSES; c++) {
          kernel[f][c] = initial[0][0][f * CLASSES + c];
        }
      }
      for (int c = 0; c < CLASSES; c++) {
        bias[c] = initial[0][1][c];
      }
      Golden golden = new Golden(optimizer, featureSize);
      for (int step = 0; step < STEPS; step++) {
        double[][] gKernel = new double[featureSize][CLASSES];
        double[] gBias = new double[CLASSES];
        gradients(features, labels, kernel, bias, gKernel, gBias);
        golden.apply(kernel, bias, gKernel, gBias, LR * rate(schedule, step), step + 1);
      }
      assertClose(kernel, trained[0], optimizer + "/" + schedule + " kernel");
      assertClose(new double[][] {bias}, trained[1], optimizer + "/" + schedule + " bias");
      assertTrue(maxChange(initial[0][0], trained[0]) > 1e-4, "the kernel hardly moved: the test proves nothing");
    }
  }

  /** The learning-rate multiplier of each schedule at {@code step} of a 4-step run with one step per epoch. */
  private static double rate(String schedule, int step) {
    return switch (schedule) {
      case "constant" -> 1;
      case "step:1:0.5" -> Math.pow(0.5, step);
      // one warm-up epoch (step 0 at the full rate), then cosine over the remaining 3 steps
      case "cosine:1" -> step == 0 ? 1 : 0.5 * (1 + Math.cos(Math.PI * (step - 1) / 3.0));
      // up from 4% of the rate over 30% of the run (1.2 steps), then cosine down to 1/1000
      case "onecycle" -> step < 1.2 ? 0.04 + 0.96 * step / 1.2
          : 0.001 + 0.999 * 0.5 * (1 + Math.cos(Math.PI * (step - 1.2) / 2.8));
      default -> throw new IllegalArgumentException(schedule);
    };
  }

  /** Mean softmax cross-entropy gradient of a dense layer over every example. */
  private static void gradients(double[][] x, int[] y, double[][] w, double[] b, double[][] gw, double[] gb) {
    for (int i = 0; i < x.length; i++) {
      double[] z = new double[CLASSES];
      double max = Double.NEGATIVE_INFINITY;
      for (int c = 0; c < CLASSES; c++) {
        z[c] = b[c];
        for (int f = 0; f < x[i].length; f++) {
          z[c] += x[i][f] * w[f][c];
        }
        max = Math.max(max, z[c]);
      }
      double sum = 0;
      for (int c = 0; c < CLASSES; c++) {
        z[c] = Math.exp(z[c] - max);
        sum += z[c];
      }
      for (int c = 0; c < CLASSES; c++) {
        double d = (z[c] / sum - (y[i] == c ? 1 : 0)) / x.length;
        gb[c] += d;
        for (int f = 0; f < x[i].length; f++) {
          gw[f][c] += x[i][f] * d;
        }
      }
    }
  }

  /** One optimizer's state and update rule, over the kernel and the bias. */
  private static final class Golden {
    private final String kind;
    private final double value;
    private final double[][] slot1;
    private final double[][] slot2;
    private final double[] slot1Bias = new double[CLASSES];
    private final double[] slot2Bias = new double[CLASSES];

    Golden(String optimizer, int featureSize) {
      String[] parts = optimizer.split(":");
      kind = parts[0];
      value = parts.length > 1 ? Double.parseDouble(parts[1]) : 0;
      slot1 = new double[featureSize][CLASSES];
      slot2 = new double[featureSize][CLASSES];
    }

    void apply(double[][] w, double[] b, double[][] gw, double[] gb, double lr, int t) {
      for (int f = 0; f < w.length; f++) {
        for (int c = 0; c < CLASSES; c++) {
          w[f][c] = update(w[f][c], gw[f][c], lr, t, slot1[f], slot2[f], c);
        }
      }
      for (int c = 0; c < CLASSES; c++) {
        b[c] = update(b[c], gb[c], lr, t, slot1Bias, slot2Bias, c);
      }
    }

    private double update(double var, double g, double lr, int t, double[] m, double[] v, int c) {
      switch (kind) {
        case "sgd":
          return var - lr * g;
        case "momentum":
          m[c] = value * m[c] + g;
          return var - lr * m[c];
        case "nesterov":
          m[c] = value * m[c] + g;
          return var - lr * (g + value * m[c]);
        case "adam":
        case "adamw": {
          if (kind.equals("adamw")) {
            var -= lr * value * var;
          }
          double beta1 = 0.9;
          double beta2 = 0.999;
          m[c] = beta1 * m[c] + (1 - beta1) * g;
          v[c] = beta2 * v[c] + (1 - beta2) * g * g;
          double lrT = lr * Math.sqrt(1 - Math.pow(beta2, t)) / (1 - Math.pow(beta1, t));
          return var - lrT * m[c] / (Math.sqrt(v[c]) + 1e-7);
        }
        default:
          throw new IllegalArgumentException(kind);
      }
    }
  }

  /** The cut's features and the labels of every example, in order. */
  private static void featuresAtTheCut(GraftModel model, LabeledData data, double[][] features, int[] labels) {
    try (BatchStream stream = BatchStream.builder().setData(data).setBatchSize(EXAMPLES).optShuffle(false).build();
        BatchIterator batches = stream.epoch(0);
        Batch batch = batches.next();
        Result result = model.model().session().runner().feed(model.model().input().tensor(), batch.features())
            .fetch(model.cut().features()).run()) {
      float[] values = Tensors.floats(result.get(0));
      int size = values.length / EXAMPLES;
      assertEquals(EXAMPLES, batch.size());
      for (int i = 0; i < EXAMPLES; i++) {
        features[i] = new double[size];
        for (int f = 0; f < size; f++) {
          features[i][f] = values[i * size + f];
        }
        labels[i] = batch.label(i);
      }
    }
  }

  private static void assertClose(double[][] expected, float[] actual, String what) {
    int k = 0;
    double worst = 0;
    for (double[] row : expected) {
      for (double e : row) {
        double error = Math.abs(e - actual[k++]) / (Math.abs(e) + 1e-3);
        worst = Math.max(worst, error);
      }
    }
    assertEquals(k, actual.length, what + ": size");
    assertTrue(worst <= 1e-4, what + ": largest relative difference " + worst + " > 1e-4");
  }

  private static double maxChange(float[] a, float[] b) {
    double max = 0;
    for (int i = 0; i < a.length; i++) {
      max = Math.max(max, Math.abs(a[i] - b[i]));
    }
    return max;
  }
}
