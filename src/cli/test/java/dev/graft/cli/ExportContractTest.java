package dev.graft.cli;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import dev.graft.model.SavedModelDir;
import dev.graft.model.SignatureInfo;
import dev.graft.model.TensorSpec;
import dev.graft.testing.Tensors;
import java.nio.file.Path;
import java.util.List;
import java.util.Map;
import java.util.Random;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.TestInstance;
import org.junit.jupiter.api.io.TempDir;
import org.tensorflow.Result;
import org.tensorflow.SavedModelBundle;
import org.tensorflow.ndarray.Shape;
import org.tensorflow.ndarray.buffer.DataBuffers;
import org.tensorflow.types.TFloat32;

/**
 * The default export is a drop-in for the source model (same input, same value scale), the raw-pixels export scales
 * raw pixels itself, inspect tells them apart, the {@code original} signature answers as the source model, and
 * either export can be retrained.
 */
@TestInstance(TestInstance.Lifecycle.PER_CLASS)
class ExportContractTest {

  private static final Path SOURCE = Path.of("savedmodels/fashion_cnn");

  @TempDir static Path dir;
  private String data;
  private Path dropIn;
  private Path rawPixels;

  @BeforeAll
  void exportBothContracts() {
    data = HostileFiles.idx(dir.resolve("idx"), 28, 28, HostileFiles.labels(2, 40));
    CliRunner a = CliRunner.run("retrain", "--data", data, "--epochs", "4", "--lr", "0.01", "--keep-old-head",
        "--out", dir.resolve("a").toString());
    assertEquals(0, a.exitCode(), a.err());
    CliRunner b = CliRunner.run("retrain", "--data", data, "--epochs", "4", "--lr", "0.01", "--keep-old-head",
        "--export-input", "raw-pixels", "--out", dir.resolve("b").toString());
    assertEquals(0, b.exitCode(), b.err());
    dropIn = dir.resolve("a/1");
    rawPixels = dir.resolve("b/1");
  }

  @Test
  void inspectSaysWhichContractAnExportHas() throws Exception {
    CliRunner a = CliRunner.run("inspect", dropIn.toString());
    assertEquals(0, a.exitCode(), a.err());
    assertTrue(a.out().contains("Export     a Graft export; input drop-in: takes what the source model took; Graft "
        + "scaled decoded values (pixels 0-255) with 'unit'"), a.out());
    CliRunner b = CliRunner.run("inspect", rawPixels.toString(), "--json");
    assertEquals(0, b.exitCode(), b.err());
    JsonNode json = new ObjectMapper().readTree(b.out());
    assertEquals("raw-pixels", json.get("graftExport").get("inputContract").asText());
    assertEquals("unit", json.get("graftExport").get("preprocessing").asText());
    JsonNode meta = new ObjectMapper().readTree(dropIn.resolve("assets.extra/graft.json").toFile());
    assertEquals("drop-in", meta.get("preprocessing").get("inputContract").asText());
    assertEquals(1 / 255f, (float) meta.get("preprocessing").get("scale").get(0).asDouble(), 1e-9);
  }

  @Test
  void theDropInTakesWhatTheSourceTookAndTheOriginalSignatureAnswersAsTheSource() {
    SignatureInfo source = SavedModelDir.open(SOURCE, "serve").signature("serving_default");
    SignatureInfo serving = SavedModelDir.open(dropIn, "serve").signature("serving_default");
    SignatureInfo original = SavedModelDir.open(dropIn, "serve").signature("original");
    TensorSpec in = source.inputs().get(0);
    assertEquals(in.key(), serving.inputs().get(0).key());
    assertEquals(in.dtype(), serving.inputs().get(0).dtype());
    assertEquals(in.shapeString(), serving.inputs().get(0).shapeString());
    assertEquals(source.outputs().stream().map(TensorSpec::key).toList(),
        original.outputs().stream().map(TensorSpec::key).toList());
    float[] unit = randomUnitImages(6);
    String outKey = source.outputs().get(0).key();
    float[] expected = run(SOURCE, "serving_default", in.key(), unit, outKey);
    for (Path export : List.of(dropIn, rawPixels)) {
      float[] got = run(export, "original", in.key(), unit, outKey);
      assertEquals(expected.length, got.length);
      for (int i = 0; i < expected.length; i++) {
        assertEquals(expected[i], got[i], 1e-6, export + ": the original signature answers as the source model");
      }
    }
  }

  @Test
  void theRawPixelsExportScalesRawValuesItselfAndBothPredictTheSame() {
    float[] unit = randomUnitImages(6);
    float[] raw = unit.clone();
    for (int i = 0; i < raw.length; i++) {
      raw[i] *= 255f;
    }
    String key = SavedModelDir.open(dropIn, "serve").signature("serving_default").inputs().get(0).key();
    float[] a = run(dropIn, "serving_default", key, unit, "probabilities");
    float[] b = run(rawPixels, "serving_default", key, raw, "probabilities");
    for (int i = 0; i < a.length; i++) {
      assertEquals(a[i], b[i], 1e-5, "probability " + i);
    }
    double accuracyA = evaluate(dropIn);
    assertTrue(accuracyA > 0.9, "evaluate scales the data as the drop-in's graft.json says: " + accuracyA);
    assertEquals(accuracyA, evaluate(rawPixels), 1e-9);
  }

  @Test
  void pythonsLoaderSeesTheSameContracts() throws Exception {
    String key = SavedModelDir.open(dropIn, "serve").signature("serving_default").inputs().get(0).key();
    JsonNode report = new ObjectMapper().readTree(dev.graft.testing.PythonSide.run(java.time.Duration.ofMinutes(3),
        "export_contract.py", SOURCE.toString(), dropIn.toString(), rawPixels.toString(), key));
    float[] inJava = run(dropIn, "serving_default", key, pythonImages(), "probabilities");
    for (String contract : List.of("drop-in", "raw-pixels")) {
      JsonNode r = report.get(contract);
      assertEquals(report.get("sourceKeys"), r.get("originalKeys"), contract);
      assertTrue(r.get("originalMaxDiff").asDouble() <= 1e-6, contract + ": 'original' answers as the source in "
          + "Python too: " + r);
      for (int i = 0; i < inJava.length; i++) {
        assertEquals(inJava[i], r.get("probabilities").get(i).asDouble(), 1e-5, contract + " probability " + i);
      }
    }
  }

  /** The images export_contract.py feeds: numpy's RandomState(0).rand(6, 28, 28, 1), read back from Python. */
  private static float[] pythonImages() {
    String text = dev.graft.testing.PythonSide.run(java.time.Duration.ofMinutes(1), "export_contract_inputs.py");
    String[] cells = text.strip().split(",");
    float[] x = new float[cells.length];
    for (int i = 0; i < x.length; i++) {
      x[i] = Float.parseFloat(cells[i]);
    }
    return x;
  }

  @Test
  void eitherExportCanBeRetrained() throws Exception {
    for (Path export : List.of(dropIn, rawPixels)) {
      for (String contract : List.of("drop-in", "raw-pixels")) {
        Path out = dir.resolve("again-" + export.getParent().getFileName() + "-" + contract);
        CliRunner r = CliRunner.run("retrain", "--model", export.toString(), "--data", data, "--epochs", "4",
            "--lr", "0.01", "--export-input", contract, "--out", out.toString());
        assertEquals(0, r.exitCode(), export + " -> " + contract + ": " + r.err());
        double accuracy = evaluate(out.resolve("1"));
        assertTrue(accuracy > 0.9, export + " retrained to " + contract + ": accuracy " + accuracy
            + " (the export's own scaling is reused, not applied twice)");
      }
    }
  }

  private double evaluate(Path export) {
    CliRunner r = CliRunner.run("evaluate", "--model", export.toString(), "--data", data, "--json");
    assertEquals(0, r.exitCode(), r.err());
    try {
      return new ObjectMapper().readTree(r.out()).get("accuracy").asDouble();
    } catch (java.io.IOException e) {
      throw new java.io.UncheckedIOException(e);
    }
  }

  private static float[] randomUnitImages(int n) {
    Random random = new Random(5);
    float[] x = new float[n * 28 * 28];
    for (int i = 0; i < x.length; i++) {
      x[i] = random.nextFloat();
    }
    return x;
  }

  private static float[] run(Path model, String signature, String key, float[] x, String output) {
    try (SavedModelBundle bundle = SavedModelBundle.load(model.toString(), "serve");
        TFloat32 input = TFloat32.tensorOf(Shape.of(x.length / 784, 28, 28, 1), DataBuffers.of(x, true, false));
        Result result = bundle.function(signature).call(Map.of(key, input))) {
      return Tensors.floats(result.get(output).orElseThrow());
    }
  }
}
