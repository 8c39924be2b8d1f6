package dev.graft;

import dev.graft.data.LabeledData;
import dev.graft.data.LabeledDatas;
import dev.graft.data.Preprocessing;
import dev.graft.export.ExportOptions;
import dev.graft.export.ModelExporter;
import dev.graft.graph.BatchNormTraining;
import dev.graft.graph.CutPoint;
import dev.graft.graph.GraphIndex;
import dev.graft.graph.HeadLocator;
import dev.graft.head.Head;
import dev.graft.head.HeadBuilder;
import dev.graft.head.HeadSpec;
import dev.graft.model.LoadedModel;
import dev.graft.model.VariableInfo;
import dev.graft.train.Metrics;
import dev.graft.train.TrainConfig;
import dev.graft.train.TrainResult;
import dev.graft.train.TrainTarget;
import dev.graft.train.Trainer;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Set;
import org.tensorflow.Result;
import org.tensorflow.proto.NodeDef;

/**
 * A pretrained model on its way to a new task: loaded, head located, new head, training, export.
 *
 * <pre>{@code
 * try (GraftModel model = Graft.load(Path.of("savedmodels/fashion_cnn"))) {
 *   model.replaceHead(HeadSpec.builder().setNumClasses(5).build());
 *   model.train(train, validation, TrainConfig.builder().setEpochs(3).build());
 *   model.export(Path.of("out"), ExportOptions.defaults());
 * }
 * }</pre>
 */
public final class GraftModel implements AutoCloseable {

  private final LoadedModel model;
  private final GraphIndex index;
  private final CutPoint cut;
  private Preprocessing preprocessing = Preprocessing.unit();
  private HeadSpec headSpec;
  private Head head;
  private List<String> classNames;
  private TrainConfig lastConfig;
  private TrainResult lastResult;
  private boolean trained;

  GraftModel(LoadedModel model, HeadLocator.Override override) {
    this.model = model;
    this.index = new GraphIndex(model.flatGraph());
    this.cut = HeadLocator.locate(index, model.graph(), model.signature(), override);
    if (bakedPreprocessing(model.dir().path())) {
      this.preprocessing = Preprocessing.none();
    }
  }

  /** Whether the model is a Graft export whose serving graph already scales raw inputs. */
  private static boolean bakedPreprocessing(Path dir) {
    Path meta = dir.resolve("assets.extra").resolve("graft.json");
    if (!java.nio.file.Files.isRegularFile(meta)) {
      return false;
    }
    try {
      var json = new com.fasterxml.jackson.databind.ObjectMapper().readTree(meta.toFile());
      return json.path("preprocessing").path("bakedIntoServingGraph").asBoolean(false);
    } catch (java.io.IOException e) {
      return false;
    }
  }

  /** The loaded, flattened model. */
  public LoadedModel model() {
    return model;
  }

  /** Where the old head is cut off. */
  public CutPoint cut() {
    return cut;
  }

  /** The new head, or null before {@link #replaceHead}. */
  public Head head() {
    return head;
  }

  /** The new head's spec, or null before {@link #replaceHead}. */
  public HeadSpec headSpec() {
    return headSpec;
  }

  /** How raw example values are scaled before the model sees them (default {@code [0,1]}). */
  public Preprocessing preprocessing() {
    return preprocessing;
  }

  /** Sets the scaling applied to raw example values, in training and in the exported serving graph. */
  public GraftModel withPreprocessing(Preprocessing preprocessing) {
    this.preprocessing = preprocessing;
    return this;
  }

  /** Class names of the new head, by label. */
  public List<String> classNames() {
    return classNames;
  }

  /** Config and result of the last {@link #train} call, or null. */
  public TrainConfig lastConfig() {
    return lastConfig;
  }

  /** Result of the last {@link #train} call, or null. */
  public TrainResult lastResult() {
    return lastResult;
  }

  /** Cuts the old head off and appends a new one; call once. */
  public GraftModel replaceHead(HeadSpec spec) {
    if (head != null) {
      throw new IllegalStateException("The head was already replaced; load the model again for another head");
    }
    this.headSpec = spec;
    this.head = HeadBuilder.build(model.graph(), cut.features(), cut.featureSize(), spec, HeadBuilder.Mode.TRAIN);
    return this;
  }

  /** Backbone layers owning trainable variables, input to output (the old head's layer excluded). */
  public List<String> backboneLayers() {
    return new ArrayList<>(backboneLayerVariables().keySet());
  }

  private Map<String, List<String>> backboneLayerVariables() {
    Set<String> upstream = index.ancestors(List.of(cut.features()));
    Map<String, List<String>> layers = new LinkedHashMap<>();
    for (VariableInfo v : model.variables()) {
      if (v.trainable() && upstream.contains(v.name())) {
        layers.computeIfAbsent(v.layer(), k -> new ArrayList<>()).add(v.name());
      }
    }
    return layers;
  }

  /**
   * Trains the new head (and what the config unfreezes) on {@code train}, tracking {@code validation}
   * (may be null). Raw example values are scaled with {@link #preprocessing()}.
   */
  public TrainResult train(LabeledData train, LabeledData validation, TrainConfig config) {
    if (head == null) {
      throw new IllegalStateException("No new head: call replaceHead(HeadSpec) before train()");
    }
    if (trained) {
      throw new IllegalStateException("train() runs once per loaded model: its training ops are in the graph. "
          + "Export this model and retrain the export, or load the model again for another run.");
    }
    if (train.classNames().size() != headSpec.numClasses()) {
      throw new GraftException("The head has " + headSpec.numClasses() + " classes but the training data has "
          + train.classNames().size() + " " + train.classNames() + "; pass --classes or match the head to the data.");
    }
    checkExampleShape(train);
    Map<String, List<String>> layers = backboneLayerVariables();
    Set<String> upstream = index.ancestors(List.of(cut.features()));
    Map<String, List<String>> reads = new LinkedHashMap<>();
    for (List<String> vars : layers.values()) {
      for (String v : vars) {
        List<String> r = new ArrayList<>();
        for (NodeDef consumer : index.consumers(v)) {
          if (consumer.getOp().equals("ReadVariableOp") && upstream.contains(consumer.getName())) {
            r.add(consumer.getName() + ":0");
          }
        }
        reads.put(v, r);
      }
    }
    BatchNormTraining batchNorm = config.batchNormTraining()
        ? batchNormTraining(config.freeze().select(new ArrayList<>(layers.keySet()), new ArrayList<>(layers.values())),
            config.batchNormMomentum())
        : null;
    TrainTarget target = new TrainTarget(model.graph(), model.session(), model.variableIo(), model.input().tensor(),
        cut.features(), cut.featureSize(), head, headSpec.dropout(), headSpec.numClasses(),
        new ArrayList<>(layers.keySet()), new ArrayList<>(layers.values()), reads,
        batchNorm == null ? null : batchNorm.trainingFlag(),
        batchNorm == null ? Map.of() : batchNorm.updates(),
        batchNorm == null ? List.of() : batchNorm.statistics());
    this.classNames = List.copyOf(train.classNames());
    this.lastConfig = config;
    this.trained = true;
    this.lastResult = Trainer.train(target, LabeledDatas.preprocessed(train, preprocessing),
        LabeledDatas.preprocessed(validation, preprocessing), config);
    return lastResult;
  }

  /**
   * Trains only the new head on features computed before, one row of {@link CutPoint#featureSize()} values per
   * example, as a head-only {@link #train} trains it on its feature cache: the same graph, optimizer and batch order.
   * Use it when the features were computed elsewhere (on a cluster); {@link #export} then stitches this backbone
   * and the trained head into one SavedModel.
   *
   * <pre>{@code
   * model.replaceHead(HeadSpec.builder().setNumClasses(2).build());
   * model.trainHead(trainFeatures, valFeatures, TrainConfig.builder().setEpochs(5).build());
   * }</pre>
   *
   * @param features rows of features with their labels
   * @param validation rows of validation features (may be null)
   * @throws IllegalArgumentException when the config unfreezes backbone layers or the rows have another size
   */
  public TrainResult trainHead(LabeledData features, LabeledData validation, TrainConfig config) {
    if (head == null) {
      throw new IllegalStateException("No new head: call replaceHead(HeadSpec) before trainHead()");
    }
    if (trained) {
      throw new IllegalStateException("The head was trained already; load the model again for another run");
    }
    if (config.freeze().kind() != dev.graft.train.FreezePolicy.Kind.HEAD || config.augmentation() != null
        || config.batchNormTraining()) {
      throw new IllegalArgumentException("Training on precomputed features trains the head alone; got --train "
          + config.freeze() + (config.augmentation() != null ? " with augmentation" : "")
          + (config.batchNormTraining() ? " with --bn-train" : "") + ". Train on the images to fine-tune the backbone.");
    }
    for (LabeledData rows : java.util.Arrays.asList(features, validation)) {
      if (rows != null && LabeledDatas.exampleSize(rows) != cut.featureSize()) {
        throw new IllegalArgumentException("Feature rows of " + rows.describe() + " hold "
            + LabeledDatas.exampleSize(rows) + " values but the cut " + cut.features() + " gives "
            + cut.featureSize() + "; compute the features with the same model and cut");
      }
    }
    if (features.classNames().size() != headSpec.numClasses()) {
      throw new GraftException("The head has " + headSpec.numClasses() + " classes but the features have "
          + features.classNames().size() + " " + features.classNames() + "; match the head to the data.");
    }
    // The fed tensor is the cut itself: the trainer feeds the rows there and never runs the backbone.
    TrainTarget target = new TrainTarget(model.graph(), model.session(), model.variableIo(), cut.features(),
        cut.features(), cut.featureSize(), head, headSpec.dropout(), headSpec.numClasses(), List.of(), List.of(),
        Map.of(), null, Map.of(), List.of());
    this.classNames = List.copyOf(features.classNames());
    this.lastConfig = config;
    this.trained = true;
    this.lastResult = Trainer.train(target, features, validation, config);
    return lastResult;
  }

  /**
   * Sets the new head's weights to values trained elsewhere, in the order of {@link Head#variables()} (kernel
   * {@code [inputs, units]} row-major, then bias, layer by layer), for the classes {@code classNames}.
   *
   * @throws IllegalArgumentException when a value count does not match its variable
   */
  public GraftModel assignHead(List<float[]> values, List<String> classNames) {
    if (head == null) {
      throw new IllegalStateException("No new head: call replaceHead(HeadSpec) before assignHead()");
    }
    if (values.size() != head.variables().size() || classNames.size() != headSpec.numClasses()) {
      throw new IllegalArgumentException("The head has " + head.variables().size() + " variables and "
          + headSpec.numClasses() + " classes; got " + values.size() + " values and " + classNames.size()
          + " class names");
    }
    List<org.tensorflow.Tensor> tensors = new ArrayList<>();
    try {
      for (int i = 0; i < values.size(); i++) {
        String name = head.variables().get(i);
        org.tensorflow.ndarray.Shape shape = model.graph().operationOrThrow(name).attributes().getAttrShape("shape");
        if (shape.size() != values.get(i).length) {
          throw new IllegalArgumentException("Head variable " + name + " has shape " + shape + " ("
              + shape.size() + " values); got " + values.get(i).length + " values");
        }
        tensors.add(org.tensorflow.types.TFloat32.tensorOf(shape,
            org.tensorflow.ndarray.buffer.DataBuffers.of(values.get(i), true, false)));
      }
      model.variableIo().assign(model.session(), head.variables(), tensors::get);
    } finally {
      tensors.forEach(org.tensorflow.Tensor::close);
    }
    this.classNames = List.copyOf(classNames);
    this.trained = true;
    return this;
  }

  /**
   * Rebuilds the graph with the trained batch-normalization layers in training mode and the head
   * added again (its variables take their values when training starts).
   */
  private BatchNormTraining batchNormTraining(Set<String> trainedBackbone, float momentum) {
    BatchNormTraining rewrite = BatchNormTraining.rewrite(model.flatGraph(), trainedBackbone, momentum);
    if (rewrite.trainingFlag() == null) {
      return null;
    }
    model.rebuild(rewrite.graph());
    head = HeadBuilder.build(model.graph(), cut.features(), cut.featureSize(), headSpec, HeadBuilder.Mode.TRAIN,
        head.scope());
    return rewrite;
  }

  private void checkExampleShape(LabeledData data) {
    long[] expected = model.input().shape();
    long[] actual = data.exampleShape();
    if (expected == null) {
      return;
    }
    boolean ok = expected.length == actual.length + 1;
    for (int i = 0; ok && i < actual.length; i++) {
      ok = expected[i + 1] < 0 || expected[i + 1] == actual[i];
    }
    if (!ok) {
      throw new GraftException("Examples have shape " + java.util.Arrays.toString(actual) + " but the model input '"
          + model.input().key() + "' expects " + model.input().shapeString()
          + " (batch first). Resize the data to the model input, or pick the right model.");
    }
  }

  /** Accuracy, loss, top-k and confusion of the current weights on labelled data (no dropout). */
  public Metrics evaluate(LabeledData data, int topK) {
    if (head == null) {
      throw new IllegalStateException("No new head: call replaceHead(HeadSpec) before evaluate()");
    }
    LabeledData scaled = LabeledDatas.preprocessed(data, preprocessing);
    Metrics metrics = new Metrics(headSpec.numClasses(), topK);
    try (var stream = dev.graft.data.BatchStream.builder().setData(scaled).setBatchSize(256).optShuffle(false).build();
        var batches = stream.epoch(0)) {
      while (batches.hasNext()) {
        try (var batch = batches.next();
            Result result = model.session().runner().feed(model.input().tensor(), batch.features())
                .fetch(head.probabilities()).run()) {
          float[] p = new float[batch.size() * headSpec.numClasses()];
          result.get(0).asRawTensor().data().asFloats().read(p);
          metrics.add(p, batch.labelArray(), batch.size());
        }
      }
    }
    return metrics;
  }

  /** Exports the retrained model as a SavedModel under {@code out/<version>}; returns the version folder. */
  public Path export(Path out, ExportOptions options) {
    if (head == null || classNames == null) {
      throw new IllegalStateException("Nothing to export: call replaceHead() and train() first");
    }
    return new ModelExporter(this).export(out, options);
  }

  @Override
  public void close() {
    model.close();
  }
}
