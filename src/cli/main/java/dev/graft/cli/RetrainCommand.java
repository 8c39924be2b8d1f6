package dev.graft.cli;

import dev.graft.head.CutChoice;
import dev.graft.Graft;
import dev.graft.GraftModel;
import dev.graft.data.read.DataOptions;
import dev.graft.data.spec.DataSources;
import dev.graft.data.view.LabeledDatas;
import dev.graft.data.LabeledData;
import dev.graft.data.transform.Preprocessing;
import dev.graft.data.view.Splits;
import dev.graft.export.ExportOptions;
import dev.graft.feature.CutSearch;
import dev.graft.graph.Pooling;
import dev.graft.head.HeadSpec;
import dev.graft.io.AtomicFiles;
import dev.graft.train.EpochMetrics;
import dev.graft.train.Metrics;
import dev.graft.train.TrainConfig;
import dev.graft.train.TrainPlan;
import dev.graft.train.TrainResult;
import java.io.IOException;
import java.io.PrintWriter;
import java.nio.file.Path;
import java.util.Arrays;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.concurrent.Callable;
import picocli.CommandLine;
import picocli.CommandLine.Command;
import picocli.CommandLine.Option;
import picocli.CommandLine.Spec;

/** {@code graft retrain}: swap the head, train, evaluate and export. */
@Command(name = "retrain",
    description = "Replace a model's classifier head, train it on your data and export a SavedModel.",
    footer = {"", "Without options: the bundled Fashion-MNIST 0-4 CNN is transferred to classes 5-9.", "",
        "Example:",
        "  graft retrain --model savedmodels/fashion_cnn --data fashion-mnist:train --val-data fashion-mnist:test \\",
        "      --classes 5,6,7,8,9 --train last:2 --backbone-lr-mult 0.1 --epochs 3 --out runs/fashion"})
final class RetrainCommand implements Callable<Integer> {

  @Spec picocli.CommandLine.Model.CommandSpec spec;

  @Option(names = {"-h", "--help"}, usageHelp = true, description = "Show this help and exit.")
  boolean help;

  static final Path DEFAULT_MODEL = Path.of("savedmodels/fashion_cnn");

  @Option(names = "--model", defaultValue = "savedmodels/fashion_cnn", description = "SavedModel folder (default: ${DEFAULT-VALUE}).")
  Path model;

  @Option(names = "--config", paramLabel = "FILE",
      description = "YAML or JSON job file whose keys are these options' names; command-line options override it.")
  Path config;

  @Option(names = "--tag", defaultValue = "serve") String tag;
  @Option(names = "--signature", defaultValue = "serving_default") String signature;
  @Option(names = "--cut", paramLabel = "auto|head|LAYER",
      description = "Where the new head reads: auto scores the cuts nearest the head with a linear probe on a sample "
          + "of the data and takes the best; head takes the old head's input; a layer name cuts there (default: "
          + "auto, or --cut-at / --cut-layer when given).")
  String cut;
  @Option(names = "--cut-at", paramLabel = "OP[:INDEX]", description = "Cut at this op output.") String cutAt;
  @Option(names = "--cut-layer", paramLabel = "NAME", description = "Cut at this layer's output.") String cutLayer;
  @Option(names = "--pool", defaultValue = "avg",
      description = "How a feature map [N,H,W,C] at the cut becomes a vector: avg, max or flatten (default: ${DEFAULT-VALUE}).")
  String pool;
  @Option(names = "--cut-candidates", defaultValue = "4", description = "Cuts --cut auto scores (default: ${DEFAULT-VALUE}).")
  int cutCandidates;
  @Option(names = "--probe-examples", defaultValue = "512",
      description = "Training examples --cut auto probes on; half as many validation examples score (default: ${DEFAULT-VALUE}).")
  int probeExamples;

  @Option(names = "--data", defaultValue = "fashion-mnist:train",
      description = "Training data: DIR, idx:IMAGES,LABELS, csv:FILE, tfrecord:FILE, fashion-mnist[:train|:test] (default: ${DEFAULT-VALUE}).")
  String data;

  @Option(names = "--val-data", description = "Validation data for early stopping and best-epoch choice (default: a split of --data).")
  String valData;

  @Option(names = "--test-data", description = "Held-out data evaluated once at the end (default: fashion-mnist:test with the default data).")
  String testData;

  @Option(names = "--val-split", defaultValue = "0.1", description = "Validation fraction when no --val-data (default: ${DEFAULT-VALUE}).")
  double valSplit;

  @Option(names = "--classes", description = "Keep these classes (names or labels), relabelled 0..K-1 (default: 5,6,7,8,9 with the default data).")
  String classes;

  @Option(names = "--skip-bad", description = "Skip unreadable examples instead of stopping.") boolean skipBad;
  @Option(names = "--image-key", description = "TFRecord feature holding the encoded image (default: image/encoded).")
  String imageKey;
  @Option(names = "--label-key", description = "TFRecord feature holding the int64 label (default: image/class/label).")
  String labelKey;

  @Option(names = "--preprocess", defaultValue = "auto", description = "How decoded values are scaled for the model: "
      + "unit, symmetric, none or meanstd:M,../S,.. (default: auto, which is unit for images, none for CSV feature "
      + "columns, and what a Graft export records for itself).")
  String preprocess;

  @Option(names = "--export-input", defaultValue = "drop-in", paramLabel = "drop-in|raw-pixels",
      description = "What the export's input takes: drop-in (default: exactly what the source model took; the "
          + "preprocessing is recorded in graft.json) or raw-pixels (the export applies --preprocess to raw values itself).")
  String exportInput;

  @Option(names = "--out", defaultValue = "runs/retrain", description = "Export folder; the model goes to OUT/<version> (default: ${DEFAULT-VALUE}).")
  Path out;

  @Option(names = "--version", defaultValue = "0", description = "Version folder number (default: next free).") long version;
  @Option(names = "--keep-old-head", description = "Also serve the original head's outputs.") boolean keepOldHead;

  @Option(names = "--epochs", defaultValue = "auto", converter = AutoCount.class,
      description = "Epochs of head-only training, or of fine-tuning after the warm-up (default: auto, from the steps "
          + "per epoch: head >= 1000 steps, fine-tuning >= 150).")
  int epochs;
  @Option(names = "--warmup-epochs", defaultValue = "auto", converter = AutoCount.class,
      description = "Head-only epochs before --train last:N|all unfreezes (0 = none; default: auto, until the head's "
          + "validation score stops improving).")
  int warmupEpochs;
  @Option(names = "--fine-tune-lr", defaultValue = "1e-5",
      description = "Learning rate after the warm-up, head and backbone (times --backbone-lr-mult) (default: ${DEFAULT-VALUE}).")
  float fineTuneLr;
  @Option(names = "--batch-size", defaultValue = "64") int batchSize;
  @Option(names = "--lr", defaultValue = "0.001") float lr;
  @Option(names = "--optimizer", defaultValue = "adam", description = "sgd, momentum[:M], nesterov[:M], adam, adamw[:DECAY].") String optimizer;
  @Option(names = "--schedule", defaultValue = "constant", description = "constant, step:E:G, cosine[:WARMUP], onecycle.") String schedule;
  @Option(names = "--train", defaultValue = "head", description = "head, last:N, regex:PATTERN or all (default: ${DEFAULT-VALUE}).") String train;
  @Option(names = "--unfreeze-every", defaultValue = "0", description = "Gradual unfreezing: one more layer every E epochs.") int unfreezeEvery;
  @Option(names = "--backbone-lr-mult", defaultValue = "1.0", description = "Backbone learning rate relative to the head's.") float backboneLrMult;
  @Option(names = "--hidden", split = ",", description = "Hidden layer sizes of the new head, e.g. 256,128.") List<Integer> hidden;
  @Option(names = "--dropout", defaultValue = "0") float dropout;
  @Option(names = "--label-smoothing", defaultValue = "0") float labelSmoothing;
  @Option(names = "--class-weights", split = ",") float[] classWeights;
  @Option(names = "--seed", defaultValue = "42") long seed;
  @Option(names = "--patience", defaultValue = "auto", converter = AutoCount.class,
      description = "Early stopping: epochs without improvement that end a phase (0 = off; default: auto, at least "
          + "250 steps for the head, 2 epochs of fine-tuning).")
  int patience;
  @Option(names = "--monitor", defaultValue = "val_accuracy") String monitor;
  @Option(names = "--bn-train", description = "Let trained batch-norm layers use batch statistics and update their moving statistics.")
  boolean bnTrain;
  @Option(names = "--bn-momentum", defaultValue = "0.99") float bnMomentum;
  @Option(names = "--threads", split = ",", paramLabel = "INTRA[,INTER]",
      description = "TensorFlow's intra-op and inter-op thread counts (default: TensorFlow's choice).")
  int[] threads;
  @Option(names = "--prefetch", defaultValue = "2", description = "Batches prepared ahead on another thread (0 = none).")
  int prefetch;
  @Option(names = "--no-cache", description = "Do not cache backbone features for head-only training.") boolean noCache;
  @Option(names = "--cache-memory", paramLabel = "MB", defaultValue = "-1",
      description = "Megabytes of cached features kept on the heap; more go to a memory-mapped file (default: a "
          + "quarter of the heap, at most 256).")
  long cacheMemory;
  @Option(names = "--checkpoint", description = "Checkpoint folder, written after every epoch.") Path checkpoint;
  @Option(names = "--resume", description = "Continue from the checkpoint folder.") boolean resume;

  @Override
  public Integer call() throws IOException {
    PrintWriter printer = spec.commandLine().getOut();
    RetrainPlan plan = RetrainPlan.of(this, new ConsoleProgress(printer, System.console() != null));
    plan.warnings().forEach(this::warn);
    boolean defaultData = data.equals("fashion-mnist:train");
    String classList = classes != null ? classes : defaultData ? "5,6,7,8,9" : null;
    String validation = valData;
    String test = testData != null ? testData : defaultData ? "fashion-mnist:test" : null;
    long start = System.nanoTime();
    String layer = cutLayer;
    if (cut != null && (cutAt != null || cutLayer != null)) {
      throw new IllegalArgumentException("--cut " + cut + " and " + (cutAt != null ? "--cut-at " + cutAt
          : "--cut-layer " + cutLayer) + " both choose the cut; give one of them");
    }
    boolean search = "auto".equals(cut) || (cut == null && cutAt == null && cutLayer == null);
    if (cut != null && !cut.equals("auto") && !cut.equals("head")) {
      layer = cut;
    }
    if (model.equals(DEFAULT_MODEL) && cut == null && cutAt == null && cutLayer == null) {
      // The default job reads the bundled CNN's last convolutional features: its 64-unit dense layer
      // is specialised to classes 0-4, while the flattened conv features transfer to 5-9.
      layer = "flatten";
      search = false;
      printer.println("default  cutting the bundled CNN at layer 'flatten' (its last convolutional features)");
    }
    Pooling pooling = plan.pooling();
    try (GraftModel graft = Graft.load(model, plan.load(), new CutChoice(cutAt, layer))) {
      DataOptions.Builder options = dataOptions(graft.model().input(), skipBad, imageKey, labelKey);
      if (classList != null) {
        options.optClasses(classList);
      }
      LabeledData trainData = DataSources.open(data, options.build());
      int skippedOpening = trainData.skipped();
      LabeledData valSet;
      if (validation != null) {
        valSet = DataSources.open(validation, options.build());
        skippedOpening += valSet.skipped();
      } else {
        Splits.Split split = Splits.stratified(trainData, valSplit, seed);
        trainData = split.train();
        valSet = split.val();
      }
      graft.withPreprocessing(preprocessing(plan, graft, trainData));
      graft.withPooling(pooling);
      CutSearch.Result searched = search ? graft.chooseCut(trainData, valSet,
          new CutSearch.Options(cutCandidates, probeExamples, Math.max(1, probeExamples / 2), seed)) : null;
      if (searched != null) {
        printSearch(printer, searched);
      }
      printer.printf("model    %s  (cut at %s: %s, %d features per example%s; old head %d classes, %s)%n", model,
          graft.cut().describe(), graft.cut().features(), graft.cut().featureSize(),
          Pooling.hasPositions(graft.cut().shape(graft.model().graph())) ? ", " + pooling + "-pooled" : "",
          graft.cut().numClasses(), graft.cut().activation());
      LabeledData testSet = test == null ? null : DataSources.open(test, options.build());
      skippedOpening += testSet == null ? 0 : testSet.skipped();
      printer.printf("data     %s: %d training, %d validation%s examples, classes %s, preprocess %s%n", data,
          trainData.size(), valSet.size(), testSet == null ? "" : ", " + testSet.size() + " test",
          trainData.classNames(), graft.preprocessing());
      printer.printf("classes  training examples per class: %s%n", LabeledDatas.describeCounts(trainData));
      graft.replaceHead(HeadSpec.builder().setNumClasses(trainData.classNames().size())
          .optHidden(hidden == null ? List.of() : hidden).optDropout(dropout).build());
      TrainConfig config = plan.config();
      TrainPlan trainPlan = TrainPlan.of(config, trainData.size(), true);
      printer.printf("train    %s, %s, batch %d, %d step%s per epoch, seed %d; best epoch kept by %s; batch norm %s%n",
          config.freeze(), config.optimizer(), batchSize, trainPlan.stepsPerEpoch(),
          trainPlan.stepsPerEpoch() == 1 ? "" : "s", seed, monitor,
          bnTrain ? "trains (--bn-train)" : "in inference mode");
      for (int i = 0; i < trainPlan.phases().size(); i++) {
        printer.printf("phase %d  %s%n", i + 1, trainPlan.phases().get(i).describe(SettingFlags::name));
      }
      printer.flush();
      TrainResult result = graft.train(trainData, valSet.size() == 0 ? null : valSet, config);
      Metrics metrics = result.validation();
      Metrics testMetrics = testSet == null ? null : graft.evaluate(testSet, 3);
      Path exported = graft.export(out, ExportOptions.builder().optVersion(version).optKeepOldHead(keepOldHead)
          .optInputContract(plan.contract()).optMetadata(metadata(config, result, testMetrics, graft.cutSearch()))
          .build());
      List<String> reports = writeReports(exported, result, metrics, graft.classNames());
      if (metrics != null) {
        printer.printf("%nresult   validation accuracy %.4f, balanced accuracy %.4f, loss %.4f, top-%d %.4f on %d "
            + "examples (best epoch %d%s)%n", metrics.accuracy(), metrics.balancedAccuracy(), metrics.loss(),
            metrics.topK(), metrics.topKAccuracy(), metrics.count(), result.bestEpoch(), result.warmupEpochs() == 0
                ? "" : String.format("; warm-up best %.4f in epochs 1-%d", result.warmupBest(config.monitor()),
                    result.warmupEpochs()));
      }
      printer.printf("device   %s%n", result.devices().isEmpty() ? "not reported by TensorFlow"
          : String.join(", ", result.devices()) + (result.devices().stream().anyMatch(d -> d.startsWith("GPU"))
              ? "" : " (no GPU in use)"));
      if (skipBad) {
        printer.printf("skipped  %d unreadable items while opening the data, %d while training%n",
            skippedOpening, result.skippedWhileTraining());
      }
      if (testMetrics != null) {
        printer.printf("test     accuracy %.4f, loss %.4f, top-%d %.4f on %d held-out examples of %s%n",
            testMetrics.accuracy(), testMetrics.loss(), testMetrics.topK(), testMetrics.topKAccuracy(),
            testMetrics.count(), test);
      }
      printer.printf("export   %s  (%.1f s in all; input %s)%n", exported, (System.nanoTime() - start) / 1e9,
          plan.contract().id());
      if (!reports.isEmpty()) {
        printer.printf("plots    %s%n", String.join("; ", reports));
      }
      printer.flush();
      return 0;
    }
  }

  /**
   * The scaling of decoded values: what {@code --preprocess} says, else what a Graft export records for itself, else
   * {@code unit} for pixels and {@code none} for numbers such as CSV feature columns.
   */
  private static Preprocessing preprocessing(RetrainPlan plan, GraftModel graft, LabeledData data) {
    if (plan.preprocess() != null) {
      return plan.preprocess();
    }
    if (graft.exportMetadata().isPresent()) {
      return graft.preprocessing();
    }
    return data.pixelValues() ? Preprocessing.unit() : Preprocessing.none();
  }

  /**
   * Data options that fit a model input: images resized to its height, width and channels, or whole
   * serialized tf.Examples for a string input (the model parses them itself).
   */
  static DataOptions.Builder dataOptions(dev.graft.model.TensorSpec input, boolean skipBad, String imageKey,
      String labelKey) {
    DataOptions.Builder options = DataOptions.builder().optSkipBad(skipBad);
    long[] shape = input.shape();
    if (input.dtype() == org.tensorflow.proto.DataType.DT_STRING) {
      options.optRawExamples(true);
    } else if (shape != null && shape.length == 2 && shape[1] > 0) {
      // a matrix input [N, F]: CSV feature columns, or images flattened
      options.optTargetShape(shape[1]);
    } else if (shape != null && shape.length > 2) {
      options.optTargetShape(Arrays.copyOfRange(shape, 1, shape.length));
    }
    if (imageKey != null) {
      options.optImageKey(imageKey);
    }
    if (labelKey != null) {
      options.optLabelKey(labelKey);
    }
    return options;
  }

  private static void printSearch(PrintWriter printer, CutSearch.Result searched) {
    printer.printf("cut      auto: %d cuts nearest the head scored by a linear probe on %d training and %d "
        + "validation examples (%d forward runs, every cut in each; %.1f s)%n", searched.rows().size(),
        searched.trainExamples(), searched.valExamples(), searched.forwardRuns(), searched.seconds());
    printer.printf("           %-32s %-16s %8s  %7s  %8s  %8s%n", "layer", "output", "features", "val_acc", "balanced",
        "val_loss");
    for (int i = 0; i < searched.rows().size(); i++) {
      CutSearch.Row row = searched.rows().get(i);
      printer.printf("         %s %-32s %-16s %8d  %7.4f  %8.4f  %8.4f%s%n", i == searched.chosen() ? "*" : " ",
          row.layer(), row.shape(), row.featureSize(), row.accuracy(), row.balancedAccuracy(), row.loss(),
          row.sameAs() == null ? "" : "  (same features as " + row.sameAs() + ")");
    }
  }

  private Map<String, Object> metadata(TrainConfig config, TrainResult result, Metrics test, CutSearch.Result search) {
    Map<String, Object> training = new LinkedHashMap<>();
    training.put("data", data);
    training.put("valData", valData);
    training.put("classes", classes);
    training.put("freeze", config.freeze().toString());
    training.put("optimizer", config.optimizer().toString());
    training.put("learningRate", config.learningRate());
    training.put("schedule", config.schedule().describe());
    training.put("epochs", result.history().size());
    training.put("plan", result.plan().phases().stream().map(TrainPlan.Phase::toMap).toList());
    training.put("stepsPerEpoch", result.plan().stepsPerEpoch());
    training.put("warmupEpochs", result.warmupEpochs());
    training.put("fineTuneLearningRate", config.fineTuneLr());
    training.put("batchNorm", config.batchNormTraining() ? "training" : "inference");
    training.put("monitor", config.monitor().id());
    training.put("preprocessing", preprocess);
    training.put("batchSize", config.batchSize());
    training.put("backboneLrMult", config.backboneLrMult());
    training.put("labelSmoothing", config.labelSmoothing());
    training.put("seed", config.seed());
    Map<String, Object> metrics = new LinkedHashMap<>();
    if (result.validation() != null) {
      metrics.put("valAccuracy", result.validation().accuracy());
      metrics.put("valBalancedAccuracy", result.validation().balancedAccuracy());
      metrics.put("valLoss", result.validation().loss());
      metrics.put("valExamples", result.validation().count());
    }
    metrics.put("bestEpoch", result.bestEpoch());
    if (test != null) {
      metrics.put("testAccuracy", test.accuracy());
      metrics.put("testLoss", test.loss());
      metrics.put("testExamples", test.count());
    }
    Map<String, Object> meta = new LinkedHashMap<>(Map.of("training", training, "metrics", metrics,
        "options", effectiveOptions()));
    if (search != null) {
      Map<String, Object> cutSearch = new LinkedHashMap<>();
      cutSearch.put("chosen", search.best().layer());
      cutSearch.put("trainExamples", search.trainExamples());
      cutSearch.put("valExamples", search.valExamples());
      cutSearch.put("candidates", search.rows().stream().map(r -> {
        Map<String, Object> row = new LinkedHashMap<>();
        row.put("layer", r.layer());
        row.put("tensor", r.tensor());
        row.put("shape", r.shape());
        row.put("featureSize", r.featureSize());
        row.put("valAccuracy", r.accuracy());
        row.put("valBalancedAccuracy", r.balancedAccuracy());
        row.put("valLoss", r.loss());
        row.put("sameAs", r.sameAs());
        return row;
      }).toList());
      meta.put("cutSearch", cutSearch);
    }
    return meta;
  }

  /** Every option's value as the run used it (job file, command line and defaults merged). */
  private Map<String, Object> effectiveOptions() {
    Map<String, Object> options = new java.util.TreeMap<>();
    for (var option : spec.options()) {
      Object value = option.getValue();
      if (option.usageHelp() || option.versionHelp() || value == null) {
        continue;
      }
      boolean auto = option.typeInfo().getType() == int.class && option.converters().length > 0
          && option.converters()[0] instanceof AutoCount && Integer.valueOf(TrainConfig.AUTO).equals(value);
      options.put(option.longestName().replaceFirst("^-+", ""), auto ? "auto"
          : value instanceof float[] f ? Arrays.toString(f) : value instanceof Path p ? p.toString() : value);
    }
    return options;
  }

  /** Writes the metrics file and the plots beside the export; a failure here leaves the export as it is. */
  private List<String> writeReports(Path exported, TrainResult result, Metrics metrics, List<String> classes) {
    String prefix = "v" + exported.getFileName() + "-";
    List<String> written = new java.util.ArrayList<>();
    Path csv = exported.resolveSibling(prefix + "metrics.csv");
    try {
      writeMetricsCsv(csv, result);
      written.add("metrics " + csv);
    } catch (IOException | RuntimeException e) {
      warn("the metrics file " + csv + " was not written (" + e.getMessage() + "); the export is complete");
    }
    try {
      List<Path> plots = Plots.write(exported.getParent(), prefix, result.history(), result.warmupEpochs(),
          metrics == null ? null : metrics.confusion(), classes);
      written.add(0, plots.toString());
    } catch (IOException | RuntimeException | LinkageError e) {
      warn("the plots were not written (" + e.getMessage() + "); the export is complete");
    }
    return written;
  }

  private void warn(String message) {
    spec.commandLine().getErr().println("graft: warning: " + message);
    spec.commandLine().getErr().flush();
  }

  /** Reads {@code auto} as {@link TrainConfig#AUTO} and a whole number as itself. */
  static final class AutoCount implements CommandLine.ITypeConverter<Integer> {
    @Override
    public Integer convert(String value) {
      if (value.trim().equalsIgnoreCase("auto")) {
        return TrainConfig.AUTO;
      }
      int count;
      try {
        count = Integer.parseInt(value.trim());
      } catch (NumberFormatException e) {
        throw new CommandLine.TypeConversionException("'" + value + "' is neither a whole number nor auto");
      }
      if (count < 0) {
        // negative numbers are not a way to say auto
        throw new CommandLine.TypeConversionException("must be >= 0 or auto, got " + count);
      }
      return count;
    }
  }

  static void writeMetricsCsv(Path file, TrainResult result) throws IOException {
    StringBuilder csv = new StringBuilder("epoch,split,loss,accuracy,lr,seconds\n");
    for (EpochMetrics m : result.history()) {
      csv.append(String.format("%d,train,%.6f,%.6f,%.6g,%.3f%n", m.epoch(), m.trainLoss(), m.trainAccuracy(),
          m.learningRate(), m.seconds()));
      csv.append(String.format("%d,val,%.6f,%.6f,%.6g,%.3f%n", m.epoch(), m.valLoss(), m.valAccuracy(),
          m.learningRate(), m.seconds()));
    }
    AtomicFiles.write(file, csv.toString().getBytes(java.nio.charset.StandardCharsets.UTF_8));
  }
}
