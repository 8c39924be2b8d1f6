package dev.graft.spark.cli;

import dev.graft.head.CutChoice;
import dev.graft.Graft;
import dev.graft.error.GraftException;
import dev.graft.GraftModel;
import dev.graft.data.transform.Preprocessing;
import dev.graft.export.ExportOptions;
import dev.graft.model.LoadedModel;
import dev.graft.spark.DriverHead;
import dev.graft.spark.Featurize;
import dev.graft.spark.FeatureTable;
import dev.graft.spark.MllibHead;
import dev.graft.train.Metrics;
import dev.graft.train.TrainConfig;
import dev.graft.train.TrainResult;
import java.io.PrintWriter;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.LinkedHashMap;
import java.util.Map;
import org.apache.spark.sql.SparkSession;

/** Trains the head on a feature table and exports backbone and head as one SavedModel: the end of every job. */
final class HeadExport {

  private HeadExport() {}

  /**
   * Loads the model that made the table (checked against the table's record), trains the head, exports it to
   * {@code out/<version>} and prints what it did.
   */
  static Path run(SparkSession spark, FeatureTable table, Path model, HeadArgs head, Path out, long version,
      PrintWriter printer) throws java.io.IOException {
    FeatureTable.Info info = table.info();
    Path source = model != null ? model : Path.of(info.model());
    if (Files.isDirectory(source) && !Featurize.sha256(source).equals(info.modelSha256())) {
      throw new GraftException("The features of " + table.location() + " were made by a model whose saved_model.pb "
          + "has SHA-256 " + info.modelSha256() + ", but " + source + " holds another graph; pass the model that "
          + "made them (" + info.model() + ") or featurize again");
    }
    try (GraftModel graft = Graft.load(source, new LoadedModel.LoadOptions(info.tag(), info.signature()),
        new CutChoice(info.cutAt(), info.cutLayer()))) {
      if (!graft.cut().features().equals(info.features())) {
        throw new GraftException("The features of " + table.location() + " come from " + info.features()
            + " but the model now cuts at " + graft.cut().features() + "; featurize again");
      }
      graft.withPreprocessing(Preprocessing.parse(info.preprocess()));
      Map<String, Object> training = new LinkedHashMap<>();
      Map<String, Object> metrics = new LinkedHashMap<>();
      training.put("features", table.location());
      training.put("rows", info.rows());
      training.put("data", info.data());
      training.put("seed", head.seed);
      training.put("valSplit", head.valSplit);
      long start = System.nanoTime();
      if (head.mllib()) {
        MllibHead.Options options = head.mllibOptions();
        printer.printf("train    softmax head with Spark MLlib's multinomial logistic regression, %d iterations at "
            + "most, L2 %s, seed %d%n", options.maxIter(), options.regParam(), options.seed());
        printer.flush();
        MllibHead.Result result = MllibHead.train(spark, table, graft, options);
        training.put("trainer", "mllib");
        training.put("maxIter", options.maxIter());
        training.put("regParam", options.regParam());
        metrics.put("iterations", result.iterations());
        metrics.put("valAccuracy", result.valAccuracy());
        metrics.put("valLoss", result.valLoss());
        metrics.put("valExamples", result.valRows());
        printer.printf("%nresult   validation accuracy %.4f, loss %.4f on %d examples (%d iterations, %.1f s)%n",
            result.valAccuracy(), result.valLoss(), result.valRows(), result.iterations(), result.seconds());
      } else {
        TrainConfig config = head.config(printer);
        printer.printf("train    head on the driver, %s lr %s, %d epochs, batch %d, seed %d%n", config.optimizer(),
            config.learningRate(), config.epochs(), config.batchSize(), config.seed());
        printer.flush();
        Path scratch = Files.createTempDirectory("graft-spark-");
        DriverHead.Result driver;
        try {
          driver = DriverHead.train(spark, table, graft, head.spec(info.classNames().size()), config, head.valSplit,
              scratch);
        } finally {
          Files.deleteIfExists(scratch);
        }
        TrainResult result = driver.training();
        printer.printf("driver   %d rows streamed from the table in %.1f s, trained in %.1f s%n", driver.rows(),
            driver.streamSeconds(), driver.trainSeconds());
        training.put("trainer", "driver");
        training.put("epochs", config.epochs());
        training.put("batchSize", config.batchSize());
        training.put("optimizer", config.optimizer().toString());
        training.put("learningRate", config.learningRate());
        Metrics val = result.validation();
        metrics.put("bestEpoch", result.bestEpoch());
        if (val != null) {
          metrics.put("valAccuracy", val.accuracy());
          metrics.put("valLoss", val.loss());
          metrics.put("valExamples", val.count());
          printer.printf("%nresult   validation accuracy %.4f, loss %.4f on %d examples (best epoch %d)%n",
              val.accuracy(), val.loss(), val.count(), result.bestEpoch());
        }
      }
      training.put("seconds", (System.nanoTime() - start) / 1e9);
      // the featurizer decodes raw pixels, and so do the scoring clients of this export
      Path exported = graft.export(out, ExportOptions.builder().optVersion(version)
          .optInputContract(ExportOptions.InputContract.RAW_PIXELS)
          .optMetadata(Map.of("training", training, "metrics", metrics)).build());
      printer.printf("export   %s%n", exported);
      printer.flush();
      return exported;
    }
  }
}
