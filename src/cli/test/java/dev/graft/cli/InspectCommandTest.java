package dev.graft.cli;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import dev.graft.testing.SharedModels;
import java.nio.file.Path;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

class InspectCommandTest {

  @Test
  void printsLayersAndTheHeadOfAKerasModel() {
    Path model = SharedModels.model("tfnet-mnist-mlp-functional");
    CliRunner r = CliRunner.run("inspect", model.toString(), "--train", "last:1");
    assertEquals(0, r.exitCode(), r.err());
    assertTrue(r.out().contains("TensorFlow 2.11.0"), r.out());
    assertTrue(r.out().contains("100 per example"), r.out());
    assertTrue(r.out().matches("(?s).*dense_1\\s+\\[-1,10\\]\\s+2 vars\\s+1010\\s+yes\\s+replaced \\(old head\\).*"), r.out());
    assertTrue(r.out().matches("(?s).*\\ndense\\s+\\[-1,100\\]\\s+2 vars\\s+78500\\s+yes\\s+trains.*"), r.out());
  }

  @Test
  void jsonHasTheDocumentedFields() throws Exception {
    Path model = SharedModels.model("mlperf-tiny-kws-dscnn");
    CliRunner r = CliRunner.run("inspect", model.toString(), "--json");
    assertEquals(0, r.exitCode(), r.err());
    JsonNode json = new ObjectMapper().readTree(r.out());
    assertEquals("2.3.2", json.get("tfVersion").asText());
    JsonNode sig = json.get("signatures").get(0);
    assertEquals("serving_default", sig.get("key").asText());
    assertEquals("input_1", sig.get("inputs").get(0).get("name").asText());
    assertEquals("[-1,49,10,1]", sig.get("inputs").get(0).get("shape").toString());
    assertEquals(64, json.get("head").get("featureSize").asInt());
    assertEquals(12, json.get("head").get("numClasses").asInt());
    assertEquals("softmax", json.get("head").get("activation").asText());
    JsonNode firstVar = json.get("variables").get(0);
    assertEquals("conv2d/kernel", firstVar.get("name").asText());
    assertTrue(firstVar.get("trainable").asBoolean());
    boolean movingMeanFrozen = false;
    for (JsonNode v : json.get("variables")) {
      if (v.get("name").asText().endsWith("moving_mean")) {
        movingMeanFrozen = !v.get("trainable").asBoolean();
      }
    }
    assertTrue(movingMeanFrozen, "batch-norm moving statistics are not trainable");
  }

  @Test
  void listsVariablesAndHonoursACutAtOverride() {
    CliRunner r = CliRunner.run("inspect", "savedmodels/fashion_cnn", "--variables", "--cut-at",
        "StatefulPartitionedCall/StatefulPartitionedCall/flatten/PartitionedCall/Identity");
    assertEquals(0, r.exitCode(), r.err());
    assertTrue(r.out().matches("(?s).*batch_normalization/moving_mean\\s+float\\s+\\[16\\]\\s+not trainable.*"), r.out());
    assertTrue(r.out().contains("(1568 per example)"), r.out());
    assertTrue(r.out().matches("(?s).*\ndense\\s+\\[-1,64\\]\\s+2 vars\\s+100416\\s+yes\\s+replaced \\(old head\\).*"),
        "cut before dense: dense becomes part of the old head\n" + r.out());
  }

  @Test
  void listsEveryLayerOfAKerasExportAsACutCandidateParameterlessOnesToo() throws Exception {
    String model = dev.graft.testing.PythonSide.fixture("mobilenet_v1_025_keras_top").toString();
    CliRunner r = CliRunner.run("inspect", model);
    assertEquals(0, r.exitCode(), r.err());
    assertTrue(r.out().matches("(?s).*\nconv_pw_13_relu\\s+\\[-1,7,7,256\\]\\s+256\\s*\n.*"), r.out());
    assertTrue(r.out().matches("(?s).*\nglobal_average_pooling2d_1\\s+\\[-1,1,1,256\\]\\s+256\\s+default cut\n.*"),
        r.out());
    assertTrue(r.out().matches("(?s).*\nconv_preds\\s+\\[-1,1,1,1000\\]\\s+1000\\s+old head\n.*"), r.out());
    assertTrue(r.out().matches("(?s).*\nreshape_2\\s+\\[-1,1000\\]\\s+1000\\s+old head\n.*"), r.out());
    assertTrue(r.out().matches(
        "(?s).*\nconv_preds\\s+\\[-1,1,1,1000\\]\\s+2 vars\\s+257000\\s+yes\\s+replaced \\(old head\\).*"),
        "the layer table shows output shapes of Keras 3 layers too\n" + r.out());
    JsonNode json = new ObjectMapper().readTree(CliRunner.run("inspect", model, "--json", "--pool", "max").out());
    JsonNode candidates = json.get("cutCandidates");
    assertEquals("conv1", candidates.get(0).get("layer").asText());
    long parameterless = 0;
    for (JsonNode c : candidates) {
      parameterless += c.get("layer").asText().endsWith("_relu") ? 1 : 0;
    }
    assertEquals(27, parameterless, "every ReLU layer is listed");
    assertEquals("max", json.get("head").get("pooling").asText());
    assertEquals("global_average_pooling2d_1", json.get("head").get("layer").asText());
  }

  @Test
  void aCutAtAMissingOpListsCandidates() {
    CliRunner r = CliRunner.run("inspect", "savedmodels/fashion_cnn", "--cut-at", "no_such_op");
    assertEquals(1, r.exitCode());
    assertTrue(r.out().contains("--cut-at names op 'no_such_op'"), r.out());
    assertTrue(r.out().contains("flatten [-1,1568]"), "candidates are layers with their output shapes\n" + r.out());
  }

  @Test
  void aCutLayerNamesTheLayerOutput() {
    CliRunner r = CliRunner.run("inspect", "savedmodels/fashion_cnn", "--cut-layer", "max_pooling2d_1", "--json");
    assertEquals(0, r.exitCode(), r.err());
    assertTrue(r.out().contains("\"featureSize\" : 1568"), r.out());
  }

  @Test
  void refusesAModuleWithoutServingDefault() {
    CliRunner r = CliRunner.run("inspect", SharedModels.model("tfjava-multisig-module").toString());
    assertEquals(1, r.exitCode());
    assertTrue(r.err().contains("has no signature 'serving_default'"), r.err());
    assertTrue(r.err().contains("get_variable"), r.err());
    assertFalse(r.err().contains("\tat "), "no stack trace without --verbose");
  }

  @Test
  void refusesAPerTokenHead() {
    CliRunner r = CliRunner.run("inspect", SharedModels.model("text-seqtag-timedistributed-tf23").toString());
    assertEquals(1, r.exitCode());
    assertTrue(r.out().contains("per-token head of shape [-1,46,15]"), r.out());
  }

  @Test
  void explainsAModelTensorFlowCannotLoad() {
    CliRunner r = CliRunner.run("inspect", SharedModels.model("tfx-taxi-estimator-tf29").toString());
    assertEquals(1, r.exitCode());
    // its init op reads a vocabulary by an absolute path of the machine that exported it
    assertTrue(r.err().contains("The model's init op 'group_deps'"), r.err());
    assertTrue(r.err().contains("_vocabulary; No such file or directory"), r.err());
    assertTrue(r.err().contains("records no asset files"), r.err());
  }

  @Test
  void namesAMissingFolder(@TempDir Path dir) {
    CliRunner r = CliRunner.run("inspect", dir.resolve("nope").toString());
    assertEquals(1, r.exitCode());
    assertTrue(r.err().contains("does not exist"), r.err());
  }

  @Test
  void unknownOptionIsAUsageError() {
    CliRunner r = CliRunner.run("inspect", "--bogus");
    assertEquals(2, r.exitCode());
  }
}
