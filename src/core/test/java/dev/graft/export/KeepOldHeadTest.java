package dev.graft.export;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import dev.graft.Graft;
import dev.graft.GraftModel;
import dev.graft.data.LabeledData;
import dev.graft.head.HeadSpec;
import dev.graft.model.SavedModelDir;
import dev.graft.model.SignatureInfo;
import dev.graft.testing.SharedModels;
import dev.graft.testing.TeacherData;
import dev.graft.testing.Tensors;
import dev.graft.train.TrainConfig;
import java.nio.file.Path;
import java.util.List;
import java.util.Map;
import java.util.Random;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.tensorflow.Result;
import org.tensorflow.SavedModelBundle;
import org.tensorflow.ndarray.Shape;
import org.tensorflow.ndarray.buffer.DataBuffers;
import org.tensorflow.types.TFloat32;

/** An export with the old head kept answers the original task exactly as the original model does. */
class KeepOldHeadTest {

  @TempDir Path dir;

  @Test
  void oldProbabilitiesEqualTheOriginalModel() throws Exception {
    Path source = SharedModels.model("mlperf-tiny-kws-dscnn");
    Path version;
    try (GraftModel model = Graft.load(source)) {
      LabeledData data = TeacherData.make(model.model().input(), model.model().graph(), 64, 3, 1);
      model.withPreprocessing(dev.graft.data.transform.Preprocessing.none());
      model.replaceHead(HeadSpec.builder().setNumClasses(3).optHidden(16).optDropout(0.5f).build());
      model.train(data, null, TrainConfig.builder().setEpochs(1).build());
      version = model.export(dir, ExportOptions.builder().optVersion(7).optKeepOldHead(true).build());
    }
    assertEquals("7", version.getFileName().toString());
    SavedModelDir exported = SavedModelDir.open(version, "serve");
    for (var node : exported.metaGraph().getGraphDef().getNodeList()) {
      assertTrue(!node.getName().startsWith("graft_train") && !node.getName().startsWith("graft_export_io")
          && !node.getName().startsWith("graft_vars") && !node.getOp().startsWith("StatelessRandom")
          && !node.getOp().startsWith("ResourceApply"), "serving graph holds training op " + node.getName());
    }
    assertEquals(List.of("original", "serving_default"), exported.signatures().stream().map(SignatureInfo::key).toList());
    SignatureInfo serving = exported.signature("serving_default");
    assertEquals(List.of("class_ids", "labels", "old_probabilities", "probabilities"),
        serving.outputs().stream().map(t -> t.key()).toList());
    assertEquals("input_1", serving.inputs().get(0).key());
    assertEquals("[-1,49,10,1]", serving.inputs().get(0).shapeString());

    float[] x = new float[4 * 49 * 10];
    Random random = new Random(3);
    for (int i = 0; i < x.length; i++) {
      x[i] = random.nextFloat();
    }
    try (SavedModelBundle original = SavedModelBundle.load(source.toString(), "serve");
        SavedModelBundle export = SavedModelBundle.load(version.toString(), "serve");
        TFloat32 input = TFloat32.tensorOf(Shape.of(4, 49, 10, 1), DataBuffers.of(x, true, false));
        Result expected = original.call(Map.of("input_1", input));
        Result old = export.function("original").call(Map.of("input_1", input));
        Result both = export.call(Map.of("input_1", input))) {
      float[] want = Tensors.floats(expected.get("dense").orElseThrow());
      assertEquals(List.of("dense"), exported.signature("original").outputs().stream().map(t -> t.key()).toList(),
          "the original signature answers under the source's own output keys");
      float[] got = Tensors.floats(old.get("dense").orElseThrow());
      float[] gotServing = Tensors.floats(both.get("old_probabilities").orElseThrow());
      assertEquals(want.length, got.length);
      for (int i = 0; i < want.length; i++) {
        assertEquals(want[i], got[i], 1e-6, "old probability " + i);
        assertEquals(want[i], gotServing[i], 1e-6, "old probability in serving_default " + i);
      }
      assertEquals(4 * 3, Tensors.floats(both.get("probabilities").orElseThrow()).length);
    }
    JsonNode meta = new ObjectMapper().readTree(version.resolve("assets.extra/graft.json").toFile());
    assertEquals(64, meta.get("cut").get("featureSize").asInt());
    assertTrue(meta.get("keepOldHead").asBoolean());
    assertEquals(source.toAbsolutePath().normalize().toString(), meta.get("source").get("path").asText());
    assertEquals(64, meta.get("source").get("savedModelSha256").asText().length());
  }
}
