package dev.graft.spark.cli;

import dev.graft.extract.FeatureOptions;
import dev.graft.spark.Featurize;
import java.nio.file.Path;
import picocli.CommandLine.Option;

/** The options that say how images become features, shared by the commands that featurize. */
final class FeatureArgs {

  @Option(names = "--model", required = true, description = "SavedModel folder on the driver's disk.")
  Path model;

  @Option(names = "--data", required = true,
      description = "Folder of class folders of images, DIR/<class>/**.jpg|png (any file system Spark reads).")
  String data;

  @Option(names = "--cut-at", paramLabel = "OP[:INDEX]") String cutAt;
  @Option(names = "--cut-layer", paramLabel = "NAME") String cutLayer;

  @Option(names = "--preprocess",
      description = "unit, symmetric, none or meanstd:M,../S,.. (default: the model's own, as retrain: unit).")
  String preprocess;

  @Option(names = "--tag", defaultValue = "serve") String tag;
  @Option(names = "--signature", defaultValue = "serving_default") String signature;

  @Option(names = "--feature-batch", defaultValue = "64", description = "Images per TensorFlow run in a task (default: ${DEFAULT-VALUE}).")
  int featureBatch;

  @Option(names = "--skip-bad", description = "Skip unreadable images instead of stopping, and count them.")
  boolean skipBad;

  @Option(names = "--ship-model", defaultValue = "auto",
      description = "Send the model to the executors: auto (when they run in other JVMs), yes or no.")
  String shipModel;

  FeatureOptions options() {
    return FeatureOptions.builder().optTag(tag).optSignature(signature).optCutAt(cutAt).optCutLayer(cutLayer)
        .optPreprocess(preprocess).build();
  }

  Featurize.Job job(String features) {
    Boolean ship = switch (shipModel) {
      case "auto" -> null;
      case "yes" -> true;
      case "no" -> false;
      default -> throw new IllegalArgumentException("--ship-model must be auto, yes or no, got " + shipModel);
    };
    return Featurize.Job.builder().setModel(model).setData(data).setFeatures(features).optOptions(options())
        .optBatchSize(featureBatch).optSkipBad(skipBad).optShipModel(ship).build();
  }
}
