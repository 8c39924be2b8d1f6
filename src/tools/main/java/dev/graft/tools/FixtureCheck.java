package dev.graft.tools;

import dev.graft.model.LoadedModel;
import java.nio.file.Path;
import java.util.Arrays;
import org.tensorflow.Result;
import org.tensorflow.SavedModelBundle;
import org.tensorflow.Session;
import org.tensorflow.ndarray.Shape;
import org.tensorflow.ndarray.buffer.DataBuffers;
import org.tensorflow.proto.SignatureDef;
import org.tensorflow.types.TFloat32;

/**
 * Measures a written fixture the way its users will load it: through TensorFlow's own loader
 * ({@link SavedModelBundle}) and through Graft's flattened graph ({@link LoadedModel}).
 */
final class FixtureCheck {

  private static final int BATCH = 1000;

  private FixtureCheck() {}

  /**
   * What the check measured on the test images.
   *
   * @param images how many test images were scored
   * @param accuracy accuracy of the {@code serving_default} signature loaded by TensorFlow
   * @param flatAccuracy accuracy of the same signature in Graft's flattened graph
   * @param samePredictions images on which both picked the same class
   * @param maxAbsDiff largest difference between the two outputs
   */
  record Measured(int images, double accuracy, double flatAccuracy, int samePredictions, double maxAbsDiff) {}

  static Measured measure(Path dir, FashionSubset test) {
    float[] original;
    float[] flat;
    try (SavedModelBundle bundle = SavedModelBundle.load(dir.toString(), "serve")) {
      SignatureDef signature = bundle.metaGraphDef().getSignatureDefMap().get("serving_default");
      String input = signature.getInputsMap().values().iterator().next().getName();
      String output = signature.getOutputsMap().values().iterator().next().getName();
      original = scores(bundle.session(), input, output, test);
    }
    try (LoadedModel model = LoadedModel.load(dir, LoadedModel.LoadOptions.defaults())) {
      flat = scores(model.session(), model.input().tensor(), model.signature().outputs().get(0).tensor(), test);
    }
    int n = test.count();
    int[] a = Predictions.argMax(original, n);
    int[] b = Predictions.argMax(flat, n);
    int same = 0;
    for (int i = 0; i < n; i++) {
      same += a[i] == b[i] ? 1 : 0;
    }
    double diff = 0;
    for (int i = 0; i < original.length; i++) {
      diff = Math.max(diff, Math.abs((double) original[i] - flat[i]));
    }
    return new Measured(n, (double) Predictions.correct(original, test.labels(), 0, n) / n,
        (double) Predictions.correct(flat, test.labels(), 0, n) / n, same, diff);
  }

  /** The output for every test image, row after row. */
  static float[] scores(Session session, String input, String output, FashionSubset data) {
    float[] all = null;
    for (int from = 0; from < data.count(); from += BATCH) {
      int n = Math.min(BATCH, data.count() - from);
      float[] pixels = Arrays.copyOfRange(data.images(), from * FashionSubset.PIXELS, (from + n) * FashionSubset.PIXELS);
      try (TFloat32 images = TFloat32.tensorOf(Shape.of(n, 28, 28, 1), DataBuffers.of(pixels, true, false));
          Result result = session.runner().feed(input, images).fetch(output).run()) {
        int width = (int) (result.get(0).shape().size() / n);
        if (all == null) {
          all = new float[data.count() * width];
        }
        float[] values = new float[n * width];
        result.get(0).asRawTensor().data().asFloats().read(values);
        System.arraycopy(values, 0, all, from * width, values.length);
      }
    }
    return all;
  }
}
