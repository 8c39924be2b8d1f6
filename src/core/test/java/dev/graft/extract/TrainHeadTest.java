package dev.graft.extract;

import dev.graft.head.CutChoice;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;

import dev.graft.Graft;
import dev.graft.GraftModel;
import dev.graft.data.batch.Batch;
import dev.graft.data.batch.BatchIterator;
import dev.graft.data.batch.BatchStream;
import dev.graft.data.read.DataOptions;
import dev.graft.data.spec.DataSources;
import dev.graft.data.LabeledData;
import dev.graft.data.view.LabeledDatas;
import dev.graft.data.view.Splits;
import dev.graft.head.HeadSpec;
import dev.graft.testing.Tensors;
import dev.graft.train.FreezePolicy;
import dev.graft.train.TrainConfig;
import dev.graft.train.TrainResult;
import java.nio.file.Path;
import java.util.List;
import java.util.stream.IntStream;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.tensorflow.Result;
import org.tensorflow.ndarray.Shape;
import org.tensorflow.ndarray.buffer.DataBuffers;
import org.tensorflow.types.TFloat32;

/** A head trained on precomputed feature rows is the head-only train() trains on its feature cache. */
class TrainHeadTest {

  private static final Path MODEL = Path.of("savedmodels/fashion_cnn");
  private static final HeadSpec SPEC = HeadSpec.builder().setNumClasses(5).optHidden(List.of(16)).optDropout(0.25f)
      .build();

  @TempDir Path dir;

  private static LabeledData images() {
    return LabeledDatas.subset(DataSources.open("fashion-mnist-subset:train",
        DataOptions.builder().optClasses("5,6,7,8,9").build()), IntStream.range(0, 500).toArray());
  }

  @Test
  void headOnFeatureRowsEqualsHeadOnTheCache() {
    TrainConfig config = TrainConfig.builder().setEpochs(2).optBatchSize(32).optSeed(3).build();
    LabeledData images = images();
    Splits.Split split = Splits.stratified(images, 0.2, 3);
    TrainResult cached;
    float[] expected;
    try (GraftModel model = Graft.load(MODEL, CutChoice.layer("flatten"))) {
      model.replaceHead(SPEC);
      cached = model.train(split.train(), split.val(), config);
      expected = probabilities(model, split.val());
    }
    try (GraftModel model = Graft.load(MODEL, CutChoice.layer("flatten"))) {
      FeatureFile rows = features(model, images);
      Splits.Split rowSplit = Splits.stratified(rows, 0.2, 3);
      model.replaceHead(SPEC);
      TrainResult fromRows = model.trainHead(rowSplit.train(), rowSplit.val(), config);
      assertEquals(cached.validation().accuracy(), fromRows.validation().accuracy(), 1e-12);
      assertEquals(cached.validation().loss(), fromRows.validation().loss(), 1e-6);
      for (int e = 0; e < 2; e++) {
        assertEquals(cached.history().get(e).trainLoss(), fromRows.history().get(e).trainLoss(), 1e-6);
      }
      float[] got = probabilities(model, split.val());
      for (int i = 0; i < got.length; i++) {
        assertEquals(expected[i], got[i], 1e-6, "probability " + i);
      }
      rows.delete();
    }
  }

  @Test
  void refusesToFineTuneOnFeatureRows() {
    try (GraftModel model = Graft.load(MODEL, CutChoice.layer("flatten"))) {
      FeatureFile rows = features(model, LabeledDatas.subset(images(), IntStream.range(0, 40).toArray()));
      model.replaceHead(SPEC);
      IllegalArgumentException e = assertThrows(IllegalArgumentException.class, () -> model.trainHead(rows, null,
          TrainConfig.builder().setEpochs(1).optFreeze(FreezePolicy.last(1)).build()));
      assertEquals("Training on precomputed features trains the head alone; got freeze last:1 "
          + "(TrainConfig.Builder.optFreeze). Train on the images to fine-tune the backbone.", e.getMessage());
      rows.delete();
    }
  }

  @Test
  void assignedHeadComputesSoftmaxOfItsWeights() {
    try (GraftModel model = Graft.load(MODEL, CutChoice.layer("flatten"))) {
      int f = (int) model.cut().featureSize();
      model.replaceHead(HeadSpec.builder().setNumClasses(2).build());
      float[] kernel = new float[f * 2];
      for (int i = 0; i < f; i++) {
        kernel[i * 2] = 0.01f * (i % 7);
        kernel[i * 2 + 1] = -0.02f * (i % 5);
      }
      model.assignHead(List.of(kernel, new float[] {0.5f, -0.25f}), List.of("x", "y"));
      float[] x = new float[f];
      for (int i = 0; i < f; i++) {
        x[i] = (i % 11) / 10f;
      }
      double z0 = 0.5;
      double z1 = -0.25;
      for (int i = 0; i < f; i++) {
        z0 += x[i] * kernel[i * 2];
        z1 += x[i] * kernel[i * 2 + 1];
      }
      try (TFloat32 in = TFloat32.tensorOf(Shape.of(1, f), DataBuffers.of(x, true, false));
          Result r = model.model().session().runner().feed(model.cut().features(), in)
              .fetch(model.head().probabilities()).run()) {
        float[] p = Tensors.floats(r.get(0));
        assertEquals(1 / (1 + Math.exp(z1 - z0)), p[0], 1e-6);
      }
      assertEquals(List.of("x", "y"), model.classNames());
      assertThrows(IllegalArgumentException.class, () -> model.assignHead(List.of(new float[3], new float[2]),
          List.of("x", "y")));
    }
  }

  /** The backbone's features of every example, in order, into a feature file. */
  private FeatureFile features(GraftModel model, LabeledData data) {
    int width = (int) model.cut().featureSize();
    try (FeatureFile.Writer writer = FeatureFile.writer(dir.resolve("rows-" + System.nanoTime() + ".f32"), width);
        BatchStream stream = BatchStream.builder().setData(LabeledDatas.preprocessed(data, model.preprocessing()))
            .setBatchSize(256).optShuffle(false).build();
        BatchIterator batches = stream.epoch(0)) {
      while (batches.hasNext()) {
        try (Batch batch = batches.next();
            Result r = model.model().session().runner().feed(model.model().input().tensor(), batch.features())
                .fetch(model.cut().features()).run()) {
          float[] all = Tensors.floats(r.get(0));
          for (int i = 0; i < batch.size(); i++) {
            writer.add(java.util.Arrays.copyOfRange(all, i * width, (i + 1) * width), batch.label(i));
          }
        }
      }
      return writer.finish(data.classNames());
    }
  }

  private static float[] probabilities(GraftModel model, LabeledData data) {
    LabeledData scaled = LabeledDatas.preprocessed(data, model.preprocessing());
    float[] x = LabeledDatas.readAll(scaled);
    try (TFloat32 in = TFloat32.tensorOf(Shape.of(data.size(), 28, 28, 1), DataBuffers.of(x, true, false));
        Result r = model.model().session().runner().feed(model.model().input().tensor(), in)
            .fetch(model.head().probabilities()).run()) {
      return Tensors.floats(r.get(0));
    }
  }
}
