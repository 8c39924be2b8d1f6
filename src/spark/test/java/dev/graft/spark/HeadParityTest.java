package dev.graft.spark;

import dev.graft.head.CutChoice;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import dev.graft.Graft;
import dev.graft.GraftModel;
import dev.graft.data.read.DataOptions;
import dev.graft.data.spec.DataSources;
import dev.graft.data.LabeledData;
import dev.graft.data.transform.Preprocessing;
import dev.graft.data.view.Splits;
import dev.graft.export.ExportOptions;
import dev.graft.export.ExportProbe;
import dev.graft.extract.FeatureExtractor;
import dev.graft.extract.FeatureOptions;
import dev.graft.extract.ImageInput;
import dev.graft.head.HeadSpec;
import dev.graft.model.SavedModelDir;
import dev.graft.testing.PythonSide;
import dev.graft.train.TrainConfig;
import dev.graft.train.TrainResult;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import org.apache.spark.ml.linalg.Vector;
import org.apache.spark.sql.Row;
import org.apache.spark.sql.SparkSession;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * A head trained from Spark's feature table and stitched to its backbone predicts what the same head trained by
 * Graft on one machine predicts; the export loads in this JVM, a fresh JVM, Python TensorFlow and the Spark
 * transformer. The MLlib head's export answers MLlib's own probabilities.
 */
class HeadParityTest {

  private static final String PREPROCESS = "symmetric";

  @TempDir static Path dir;
  private static Path model;
  private static Path images;
  private static List<Path> files;
  private static float[] raw;
  private static FeatureTable table;
  /** The exports here are scored from raw pixels, as the featurizer decodes them. */
  private static final ExportOptions RAW_PIXELS = ExportOptions.builder()
      .optInputContract(ExportOptions.InputContract.RAW_PIXELS).build();

  @BeforeAll
  static void featurize() throws Exception {
    model = PythonSide.fixture("mobilenet_v1_025_pooled");
    images = TestImages.xrays(dir.resolve("images"), 8);
    files = SingleMachine.imageFiles(images);
    ImageInput input = ImageInput.forModel(SavedModelDir.open(model, "serve").signature("serving_default")
        .inputs().get(0), Preprocessing.none());
    raw = new float[files.size() * input.size()];
    for (int i = 0; i < files.size(); i++) {
      input.decode(Files.readAllBytes(files.get(i)), files.get(i).toString(), raw, i * input.size());
    }
    table = Featurize.run(LocalSpark.session(), Featurize.Job.builder().setModel(model).setData(images.toString())
        .setFeatures(dir.resolve("features").toString()).optBatchSize(5)
        .optOptions(FeatureOptions.builder().optPreprocess(PREPROCESS).build()).build()).table();
    assertEquals(files.size(), table.info().rows());
  }

  @AfterAll
  static void closeModels() {
    ExecutorModels.closeAll();
  }

  @Test
  void driverHeadPredictsAsTheSingleMachineHead() throws Exception {
    HeadSpec spec = HeadSpec.builder().setNumClasses(2).optHidden(List.of(8)).optDropout(0.2f).build();
    TrainConfig config = TrainConfig.builder().setEpochs(3).optBatchSize(6).optSeed(7).build();
    Path single;
    TrainResult alone;
    try (GraftModel graft = load()) {
      graft.replaceHead(spec);
      LabeledData data = DataSources.open(images.toString(), DataOptions.builder().optTargetShape(224, 224, 3)
          .build());
      Splits.Split split = Splits.stratified(data, 0.25, config.seed());
      alone = graft.train(split.train(), split.val(), config);
      single = graft.export(dir.resolve("single"), RAW_PIXELS);
    }
    Path stitched;
    TrainResult spark;
    try (GraftModel graft = load()) {
      spark = DriverHead.train(LocalSpark.session(), table, graft, spec, config, 0.25, dir.resolve("scratch"))
          .training();
      stitched = graft.export(dir.resolve("spark"), RAW_PIXELS);
    }
    assertEquals(alone.validation().count(), spark.validation().count(), "the same validation split");
    assertEquals(alone.validation().accuracy(), spark.validation().accuracy(), 1e-9);
    assertEquals(alone.validation().loss(), spark.validation().loss(), 1e-5);

    float[] expected = predict(single);
    float[] probabilities = predict(stitched);
    double diff = Floats.maxAbsDiff(expected, probabilities);
    System.out.printf("stitched export vs single-machine retrain: max abs difference %.3g of probabilities%n", diff);
    assertTrue(diff <= 1e-5, "probabilities differ by " + diff);

    float[] fresh = freshJvm(stitched);
    assertTrue(Floats.maxAbsDiff(probabilities, fresh) <= 1e-6, "a fresh JVM's probabilities");

    JsonNode python = python(stitched);
    float[] fromPython = Floats.read(dir.resolve("python.bin"));
    assertTrue(Floats.maxAbsDiff(probabilities, fromPython) <= 1e-5, "Python TensorFlow's probabilities differ by "
        + Floats.maxAbsDiff(probabilities, fromPython));
    assertEquals("[\"class_ids\",\"labels\",\"probabilities\"]", python.get("outputs").toString());

    Map<String, Row> scored = score(stitched);
    for (int i = 0; i < files.size(); i++) {
      Row row = scored.get(files.get(i).toString());
      float[] p = Floats.cell(row, 1);
      assertTrue(Floats.maxAbsDiff(p, java.util.Arrays.copyOfRange(probabilities, 2 * i, 2 * i + 2)) <= 1e-6,
          "Spark's scoring of " + files.get(i));
      assertEquals(python.get("labels").get(i).asText(), row.getString(3), "label of " + files.get(i));
      assertEquals(python.get("class_ids").get(i).asLong(), row.getLong(2));
    }
  }

  @Test
  void mllibHeadExportAnswersMllibsProbabilities() throws Exception {
    MllibHead.Result fit;
    Path stitched;
    try (GraftModel graft = load()) {
      fit = MllibHead.train(LocalSpark.session(), table, graft, new MllibHead.Options(100, 1e-3, 0.25, 7));
      stitched = graft.export(dir.resolve("mllib"), RAW_PIXELS);
    }
    Map<String, double[]> mllib = new HashMap<>();
    for (Row row : fit.model().transform(MllibHead.vectors(table.read(LocalSpark.session())))
        .select("path", "probability").collectAsList()) {
      mllib.put(ImageColumn.displayPath(row.getString(0)), ((Vector) row.get(1)).toArray());
    }
    float[] probabilities = predict(stitched);
    double worst = 0;
    for (int i = 0; i < files.size(); i++) {
      double[] expected = mllib.get(files.get(i).toString());
      for (int k = 0; k < 2; k++) {
        worst = Math.max(worst, Math.abs(expected[k] - probabilities[2 * i + k]));
      }
    }
    System.out.printf("MLlib head export vs MLlib's model: max abs difference %.3g of probabilities%n", worst);
    assertTrue(worst <= 1e-5, "the export's probabilities differ from MLlib's by " + worst);
    assertTrue(fit.iterations() > 0);
  }

  private static GraftModel load() {
    GraftModel graft = Graft.load(model, CutChoice.none());
    graft.withPreprocessing(Preprocessing.parse(PREPROCESS));
    return graft;
  }

  /** The export's probabilities for every image, from raw pixels, through the library's loader. */
  private static float[] predict(Path export) {
    try (FeatureExtractor scorer = FeatureExtractor.open(export,
        FeatureOptions.builder().optOutput(FeatureOptions.Output.PREDICTIONS).build())) {
      return scorer.run(raw, files.size()).values();
    }
  }

  private static float[] freshJvm(Path export) throws Exception {
    Floats.write(dir.resolve("input.bin"), raw);
    String key = SavedModelDir.open(export, "serve").signature("serving_default").inputs().get(0).key();
    List<String> command = new ArrayList<>(List.of(Path.of(System.getProperty("java.home"), "bin", "java").toString(),
        "-cp", System.getProperty("java.class.path"), ExportProbe.class.getName(), export.toString(), key,
        dir.resolve("input.bin").toString(), dir.resolve("fresh.bin").toString(), "" + files.size(), "224", "224",
        "3"));
    Process process = new ProcessBuilder(command).redirectErrorStream(true)
        .redirectOutput(dir.resolve("probe.log").toFile()).start();
    assertEquals(0, process.waitFor(), () -> "fresh JVM failed: " + read(dir.resolve("probe.log")));
    return Floats.read(dir.resolve("fresh.bin"));
  }

  private static JsonNode python(Path export) throws Exception {
    Floats.write(dir.resolve("input.bin"), raw);
    String out = PythonSide.run(Duration.ofMinutes(3), "serve_export.py", export.toString(),
        dir.resolve("input.bin").toString(), "" + files.size(), "224", "224", "3", dir.resolve("python.bin").toString());
    String json = out.lines().filter(l -> l.startsWith("{")).reduce((a, b) -> b).orElseThrow();
    return new ObjectMapper().readTree(json);
  }

  private static Map<String, Row> score(Path export) {
    SparkSession spark = LocalSpark.session();
    Map<String, Row> byFile = new HashMap<>();
    new GraftTransformer().setModelPath(export.toString()).setOutput(GraftTransformer.PREDICTIONS)
        .setOutputCol("probabilities").setBatchSize(7)
        .transform(spark.read().format("binaryFile").option("recursiveFileLookup", "true").load(images.toString()))
        .select("path", "probabilities", "class_id", "predicted_label").collectAsList()
        .forEach(r -> byFile.put(ImageColumn.displayPath(r.getString(0)), r));
    assertEquals(files.size(), byFile.size());
    return byFile;
  }

  private static String read(Path file) {
    try {
      return Files.readString(file);
    } catch (java.io.IOException e) {
      return e.toString();
    }
  }
}
