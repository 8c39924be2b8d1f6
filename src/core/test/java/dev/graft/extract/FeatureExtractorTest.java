package dev.graft.extract;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.graft.Graft;
import dev.graft.GraftModel;
import dev.graft.data.transform.Preprocessing;
import dev.graft.feature.Featurizer;
import dev.graft.head.CutChoice;
import dev.graft.testing.PythonSide;
import java.nio.file.Path;
import java.util.Arrays;
import java.util.Random;
import org.junit.jupiter.api.Test;

/** The extractor that Spark's executors run gives the features head-only training caches, feature maps pooled. */
class FeatureExtractorTest {

  @Test
  void aFeatureMapCutIsPooledAsTheFeaturePassPoolsIt() {
    Path dir = PythonSide.fixture("mobilenet_v1_025_pooled");
    int n = 3;
    float[] batch = new float[n * 224 * 224 * 3];
    Random random = new Random(7);
    for (int i = 0; i < batch.length; i++) {
      batch[i] = random.nextFloat() * 2 - 1; // already scaled as the symmetric preprocessing scales pixels
    }
    float[] extracted;
    try (FeatureExtractor extractor = FeatureExtractor.open(dir,
        FeatureOptions.builder().optCutLayer("conv_pw_13_relu").optPreprocess("symmetric").build())) {
      assertEquals(256, extractor.width(), "a 7x7x256 map pools to 256 features");
      FeatureExtractor.Outputs out = extractor.run(batch, n);
      assertEquals(n * 256, out.values().length);
      extracted = out.values();
    }
    float[] reference;
    try (GraftModel model = Graft.load(dir, CutChoice.layer("conv_pw_13_relu"))) {
      Featurizer featurizer = model.withPreprocessing(Preprocessing.none()).featurizer();
      reference = featurizer.compute(batch, n);
    }
    assertArrayEquals(reference, extracted, "the extractor's rows are the feature pass's");
    assertTrue(!Arrays.equals(Arrays.copyOfRange(extracted, 0, 256), Arrays.copyOfRange(extracted, 256, 512)),
        "different inputs give different features");
  }
}
