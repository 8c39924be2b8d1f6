package dev.graft;

import dev.graft.head.CutChoice;
import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertNotNull;
import static org.junit.jupiter.api.Assertions.assertTrue;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import dev.graft.data.LabeledData;
import dev.graft.data.transform.Preprocessing;
import dev.graft.export.ExportOptions;
import dev.graft.feature.Featurizer;
import dev.graft.graph.CutPoint;
import dev.graft.graph.Pooling;
import dev.graft.head.HeadSpec;
import dev.graft.model.VariableInfo;
import dev.graft.testing.PythonSide;
import dev.graft.testing.TeacherData;
import dev.graft.testing.Tensors;
import dev.graft.train.EpochMetrics;
import dev.graft.train.TrainConfig;
import dev.graft.train.TrainingListener;
import java.io.IOException;
import java.nio.ByteBuffer;
import java.nio.ByteOrder;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.stream.Stream;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.MethodOrderer;
import org.junit.jupiter.api.Order;
import org.junit.jupiter.api.TestMethodOrder;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.TestInstance;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.MethodSource;
import org.tensorflow.Result;
import org.tensorflow.SavedModelBundle;
import org.tensorflow.Tensor;
import org.tensorflow.ndarray.Shape;
import org.tensorflow.ndarray.buffer.DataBuffers;
import org.tensorflow.types.TFloat32;

/**
 * The classifier heads real Keras exports carry, on models Python wrote: each is found, cut where a new head should
 * read, pooled when the cut is a feature map, trained, exported and reloaded (by TensorFlow's loader here, and by
 * Python TensorFlow for every export at once).
 */
@TestInstance(TestInstance.Lifecycle.PER_CLASS)
@TestMethodOrder(MethodOrderer.OrderAnnotation.class)
class HeadPatternsTest {

  /**
   * A head pattern.
   *
   * @param fixture the Python-made model
   * @param pattern what its head is like
   * @param oldHead the layers the old head holds (their variables are replaced)
   * @param cutLayer where the default cut reads
   * @param featureSize features per example at the default cut
   * @param mapLayer a feature-map layer [N,H,W,C] before the cut, to cut at with pooling
   * @param trainAtMap whether the training round trip cuts at {@code mapLayer} (pooled in the export too)
   */
  record Case(String fixture, String pattern, List<String> oldHead, String cutLayer, long featureSize,
      String mapLayer, boolean trainAtMap) {
    @Override
    public String toString() {
      return fixture + " (" + pattern + ")";
    }
  }

  static Stream<Case> cases() {
    return Stream.of(
        new Case("keras3_export_cnn", "Dense after GAP and a hidden Dense", List.of("predictions"), "dense", 32,
            "conv_1", false),
        new Case("keras2_cnn", "tf_keras Dense after Flatten", List.of("predictions"), "dense", 32, "pool", false),
        new Case("dropout_layernorm", "Dense behind Dropout", List.of("predictions"), "dense_1", 16, null, false),
        new Case("conv_head_squeeze", "1x1 Conv2D over a pooled map, Squeeze", List.of("conv_preds"), "gap", 16,
            "relu", true),
        new Case("mobilenet_v1_025_keras_top", "Keras MobileNet's own top: 1x1 Conv2D conv_preds, Reshape",
            List.of("conv_preds"), "global_average_pooling2d_1", 256, "conv_pw_13_relu", true),
        new Case("mobilenet_v1_025_pooled", "GAP + Dense", List.of("predictions"), "global_average_pooling2d", 256,
            null, false),
        new Case("mobilenet_v2", "Keras Applications predictions", List.of("predictions"),
            "global_average_pooling2d", 1280, null, false),
        new Case("teachable_machine", "Teachable Machine: nested Sequentials, Dense(100) + Dense without bias",
            List.of("dense_Dense2", "dense_Dense1"), "global_average_pooling2d", 1280, "out_relu", false));
  }

  private static final ObjectMapper JSON = new ObjectMapper();
  /** Exports of the round trips, with the reference input and what the training session predicted for it. */
  private final Map<Case, Exported> exports = new LinkedHashMap<>();

  private record Exported(Path export, Path input, long[] shape, float[] inSession) {}

  private Path dir;

  private Path dir() throws IOException {
    if (dir == null) {
      dir = Files.createTempDirectory("graft-head-patterns");
    }
    return dir;
  }

  @AfterAll
  void deleteExports() throws IOException {
    if (dir != null) {
      try (Stream<Path> files = Files.walk(dir)) {
        files.sorted(java.util.Comparator.reverseOrder()).forEach(p -> p.toFile().delete());
      }
    }
  }

  private static JsonNode meta(Path fixture) throws IOException {
    return JSON.readTree(fixture.resolve("fixture.json").toFile());
  }

  @Order(1)
  @ParameterizedTest(name = "{0}")
  @MethodSource("cases")
  void findsCutsPoolsTrainsExportsAndReloads(Case c) throws IOException {
    Path fixture = PythonSide.fixture(c.fixture());
    JsonNode meta = meta(fixture);
    float[] input = floats(fixture.resolve("reference_input.bin"));
    int n = meta.get("reference_input_shape").get(0).asInt();
    float[] atCut;
    try (GraftModel model = Graft.load(fixture)) {
      CutPoint cut = model.cut();
      assertEquals(meta.get("classes").asInt(), cut.numClasses(), "old head's classes");
      assertEquals(c.cutLayer(), cut.layer(), "cut layer");
      assertEquals(c.featureSize(), cut.featureSize());
      List<String> oldLayers = cut.oldHeadVariables().stream().map(VariableInfo::layerOf)
          .map(l -> l.substring(l.lastIndexOf('/') + 1)).distinct().toList();
      assertEquals(c.oldHead().stream().sorted().toList(), oldLayers.stream().sorted().toList(),
          "layers whose variables the new head replaces");
      assertTrue(model.backboneLayers().stream().noneMatch(l -> c.oldHead().stream().anyMatch(l::endsWith)),
          "no old-head layer is left in the backbone: " + model.backboneLayers());
      atCut = model.withPreprocessing(Preprocessing.none()).featurizer().compute(input, n);
      if (!c.trainAtMap()) {
        trainExportReload(c, model, fixture, meta);
      }
    }
    if (c.mapLayer() == null) {
      return;
    }
    try (GraftModel model = Graft.load(fixture, CutChoice.layer(c.mapLayer()))) {
      float[] avg = checkPooling(model, input, n);
      if (c.cutLayer().startsWith("global_average_pooling2d") || c.cutLayer().equals("gap")) {
        // The model's own GlobalAveragePooling2D reads this map: its output is what average pooling gives.
        assertArrayEquals(atCut, avg, 1e-4f, "Keras's global average pooling of " + c.mapLayer());
      }
      if (c.trainAtMap()) {
        trainExportReload(c, model, fixture, meta);
      }
    }
  }

  /** Pools the model's feature-map cut three ways and checks each against the raw map; returns the average. */
  private static float[] checkPooling(GraftModel model, float[] input, int n) {
    Shape map = model.cut().shape(model.model().graph());
    assertEquals(4, map.numDimensions(), model.cut().layer() + " is a feature map");
    long positions = map.size(1) * map.size(2);
    int channels = (int) map.size(3);
    assertEquals(channels, model.cut().featureSize(), "average pooling keeps one value per channel");
    float[] raw = rawMap(model, input, n);
    float[] avg = model.withPreprocessing(Preprocessing.none()).featurizer().compute(input, n);
    float[] max = model.withPooling(Pooling.MAX).featurizer().compute(input, n);
    for (int i = 0; i < n; i++) {
      for (int ch = 0; ch < channels; ch++) {
        double sum = 0;
        double best = Double.NEGATIVE_INFINITY;
        for (int p = 0; p < positions; p++) {
          float v = raw[(int) ((i * positions + p) * channels + ch)];
          sum += v;
          best = Math.max(best, v);
        }
        assertEquals(sum / positions, avg[i * channels + ch], 1e-5 * (1 + Math.abs(sum / positions)), "avg");
        assertEquals(best, max[i * channels + ch], 1e-6 * (1 + Math.abs(best)), "max");
      }
    }
    assertEquals(positions * channels, model.withPooling(Pooling.FLATTEN).cut().featureSize());
    model.withPooling(Pooling.AVG);
    return avg;
  }

  private static float[] rawMap(GraftModel model, float[] input, int n) {
    long[] dims = model.model().input().shape().clone();
    dims[0] = n;
    try (TFloat32 x = TFloat32.tensorOf(Shape.of(dims), DataBuffers.of(input, true, false));
        Result r = model.model().session().runner().feed(model.model().input().tensor(), x)
            .fetch(model.cut().features()).run()) {
      return Tensors.floats(r.get(0));
    }
  }

  /** Trains a new head at the model's cut, exports it, and checks TensorFlow's loader predicts what training did. */
  private void trainExportReload(Case c, GraftModel model, Path fixture, JsonNode meta) throws IOException {
    float[] input = floats(fixture.resolve("reference_input.bin"));
    long[] shape = new long[meta.get("reference_input_shape").size()];
    for (int d = 0; d < shape.length; d++) {
      shape[d] = meta.get("reference_input_shape").get(d).asLong();
    }
    {
      model.withPreprocessing(Preprocessing.none());
      LabeledData data = TeacherData.make(model.model().input(), model.model().graph(), 32, 3, 7);
      model.replaceHead(HeadSpec.builder().setNumClasses(3).build());
      List<String> backbone = model.model().variables().stream().map(VariableInfo::name)
          .filter(v -> !model.cut().oldHeadVariables().contains(v)).toList();
      float[][] before = Tensors.variableValues(model, backbone);
      List<float[]> kernels = new ArrayList<>();
      TrainingListener kernelAfterEachEpoch = new TrainingListener() {
        @Override
        public void onEpochEnd(EpochMetrics m) {
          kernels.add(Tensors.variableValues(model, model.head().variables())[0]);
        }
      };
      model.train(data, null, TrainConfig.builder().setEpochs(2).optBatchSize(16).optLearningRate(1e-2f)
          .addListener(kernelAfterEachEpoch).build());
      float[][] after = Tensors.variableValues(model, backbone);
      for (int i = 0; i < backbone.size(); i++) {
        assertArrayEquals(before[i], after[i], "frozen " + backbone.get(i) + " changed");
      }
      assertFalse(java.util.Arrays.equals(kernels.get(0), kernels.get(1)), "the new head's kernel trained");
      float[] inSession;
      try (TFloat32 x = TFloat32.tensorOf(Shape.of(shape), DataBuffers.of(input, true, false));
          Result r = model.model().session().runner().feed(model.model().input().tensor(), x)
              .fetch(model.head().probabilities()).run()) {
        inSession = Tensors.floats(r.get(0));
      }
      Path export = model.export(dir().resolve(c.fixture()), ExportOptions.defaults());
      try (SavedModelBundle bundle = SavedModelBundle.load(export.toString(), "serve");
          TFloat32 x = TFloat32.tensorOf(Shape.of(shape), DataBuffers.of(input, true, false));
          Result result = bundle.call(Map.of(model.model().input().key(), x))) {
        Tensor p = result.get("probabilities").orElseThrow();
        assertArrayEquals(inSession, Tensors.floats(p), 1e-5f, "TensorFlow's loader predicts what training did");
      }
      JsonNode graftJson = JSON.readTree(export.resolve("assets.extra/graft.json").toFile());
      assertEquals(model.cut().pooling().toString(), graftJson.get("cut").get("pooling").asText());
      assertEquals(model.cut().layer(), graftJson.get("cut").get("layer").asText());
      exports.put(c, new Exported(export, fixture.resolve("reference_input.bin"), shape, inSession));
    }
  }

  @Order(2)
  @Test
  void pythonTensorFlowPredictsWhatTrainingDidForEveryExport() throws IOException {
    org.junit.jupiter.api.Assumptions.assumeFalse(exports.isEmpty(), "the round trips ran first, in this class");
    List<String> args = new ArrayList<>();
    Map<Case, Path> outputs = new LinkedHashMap<>();
    for (Map.Entry<Case, Exported> e : exports.entrySet()) {
      Path out = dir().resolve(e.getKey().fixture() + "-python.bin");
      outputs.put(e.getKey(), out);
      args.add(e.getValue().export().toString());
      args.add(e.getValue().input().toString());
      args.add(String.join(",", java.util.Arrays.stream(e.getValue().shape()).mapToObj(Long::toString).toList()));
      args.add(out.toString());
    }
    PythonSide.run(Duration.ofMinutes(5), "predict_exports.py", args.toArray(new String[0]));
    for (Map.Entry<Case, Path> e : outputs.entrySet()) {
      float[] python = floats(e.getValue());
      assertNotNull(python);
      assertArrayEquals(exports.get(e.getKey()).inSession(), python, 1e-5f, e.getKey() + ": Python's prediction");
    }
  }

  private static float[] floats(Path file) throws IOException {
    byte[] raw = Files.readAllBytes(file);
    float[] values = new float[raw.length / 4];
    ByteBuffer.wrap(raw).order(ByteOrder.LITTLE_ENDIAN).asFloatBuffer().get(values);
    return values;
  }
}
