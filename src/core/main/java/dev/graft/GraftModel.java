package dev.graft;

import dev.graft.head.CutChoice;
import dev.graft.error.DataException;
import dev.graft.error.GraftException;
import dev.graft.error.SettingMessage;
import dev.graft.data.LabeledData;
import dev.graft.data.view.LabeledDatas;
import dev.graft.data.transform.Preprocessing;
import dev.graft.export.ExportMetadata;
import dev.graft.export.ExportOptions;
import dev.graft.export.ExportSource;
import dev.graft.export.ModelExporter;
import dev.graft.graph.BatchNormTraining;
import dev.graft.feature.CutSearch;
import dev.graft.feature.Featurizer;
import dev.graft.feature.ForwardPass;
import dev.graft.graph.CutCandidates;
import dev.graft.graph.CutPoint;
import dev.graft.graph.GraphIndex;
import dev.graft.graph.TensorRef;
import dev.graft.head.HeadLocator;
import dev.graft.graph.Pooling;
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

  /** The loaded model; replaced (and the old one closed) when batch-norm training rebuilds the graph. */
  private LoadedModel model;
  private final GraphIndex index;
  private CutPoint cut;
  private CutSearch.Result cutSearch;
  private final ExportMetadata exportMetadata;
  private Preprocessing preprocessing = Preprocessing.unit();
  private HeadSpec headSpec;
  private Head head;
  private List<String> classNames;
  private TrainConfig lastConfig;
  private TrainResult lastResult;
  private boolean trained;

  GraftModel(LoadedModel model, CutChoice override) {
    this.model = model;
    this.index = new GraphIndex(model.flatGraph());
    this.cut = HeadLocator.locate(index, model.graph(), model.signature(), override);
    this.exportMetadata = ExportMetadata.read(model.dir().path()).orElse(null);
    if (exportMetadata != null) {
      // Retraining a Graft export: decoded examples get the scaling its own clients apply.
      this.preprocessing = exportMetadata.clientPreprocessing();
    }
  }

  /** What the model's {@code graft.json} says when it is a Graft export; empty for any other SavedModel. */
  public java.util.Optional<ExportMetadata> exportMetadata() {
    return java.util.Optional.ofNullable(exportMetadata);
  }

  /** The loaded, flattened model. */
  public LoadedModel model() {
    return model;
  }

  /** Where the old head is cut off. */
  public CutPoint cut() {
    return cut;
  }

  /** What {@link #chooseCut} measured, or null when the cut was not searched. */
  public CutSearch.Result cutSearch() {
    return cutSearch;
  }

  /**
   * Sets how a feature map at the cut becomes one vector per example (default {@link Pooling#AVG}); call before
   * {@link #replaceHead} and {@link #chooseCut}.
   */
  public GraftModel withPooling(Pooling pooling) {
    checkNoHead("withPooling()");
    this.cut = cut.withPooling(pooling, model.graph());
    return this;
  }

  /**
   * Scores the cuts nearest the head with linear probes on samples of the data and moves the cut to the best (see
   * {@link CutSearch}); call before {@link #replaceHead}. Raw example values are scaled with
   * {@link #preprocessing()}, as training scales them. Returns what was measured, or null when the model has no
   * named layers to choose from (the cut stays where it was).
   */
  public CutSearch.Result chooseCut(LabeledData train, LabeledData validation, CutSearch.Options options) {
    checkNoHead("chooseCut()");
    List<CutCandidates.Candidate> candidates = CutCandidates.nearestHead(
        HeadLocator.layers(index, model.signature()), index, model.graph(), cut, options.candidates());
    if (candidates.isEmpty()) {
      return null;
    }
    checkExampleShape(train);
    CutSearch.Result result = CutSearch.run(model.graph(), model.session(), model.input().tensor(), candidates,
        cut.pooling(), train, validation, preprocessing, options);
    this.cut = HeadLocator.recut(index, model.graph(), model.signature(), cut, result.best().tensor());
    this.cutSearch = result;
    return result;
  }

  /**
   * The backbone's features at the cut, pooled and preprocessed as training computes them: for head-only training
   * elsewhere, or a featurizer that must match this model's new head (a Spark job's, say).
   */
  public Featurizer featurizer() {
    return Featurizer.of(model.graph(), model.session(), model.input().tensor(), List.of(cut.features()),
        cut.pooling(), preprocessing);
  }

  private void checkNoHead(String call) {
    if (head != null) {
      throw new IllegalStateException(call + " must come before replaceHead(): the new head already reads "
          + cut.describe() + "; load the model again to cut elsewhere");
    }
  }

  /** The new head, or null before {@link #replaceHead}. */
  public Head head() {
    return head;
  }

  /** The new head's spec, or null before {@link #replaceHead}. */
  public HeadSpec headSpec() {
    return headSpec;
  }

  /**
   * How raw example values are scaled before the model sees them: {@code [0,1]} by default, for a Graft export the
   * scaling its {@code graft.json} records.
   */
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

  /**
   * The config of this model's one training run, {@link #train} or {@link #trainHead} (set when the run starts, so
   * also after a run that failed), or null before either; {@link #export} reads its freeze policy to warn when a kept
   * old head sits on a fine-tuned backbone.
   */
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
    spec.checkSize(cut.featureSize());
    this.headSpec = spec;
    this.head = HeadBuilder.build(model.graph(), cut, spec, HeadBuilder.Mode.TRAIN);
    return this;
  }

  /** Backbone layers owning trainable variables, input to output (the old head's layer excluded). */
  public List<String> backboneLayers() {
    return new ArrayList<>(backboneLayerVariables().keySet());
  }

  /** The backbone variables that {@code policy} trains (the new head's come on top), in layer order. */
  public Set<String> variablesTrainedBy(dev.graft.train.FreezePolicy policy) {
    Map<String, List<String>> layers = backboneLayerVariables();
    return policy.select(new ArrayList<>(layers.keySet()), new ArrayList<>(layers.values()));
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
      throw new GraftException(SettingMessage.of(DataException.SETTINGS, "The head has " + headSpec.numClasses()
          + " classes but the training data has " + train.classNames().size() + " " + train.classNames()
          + "; pass {classes} or match the head to the data."));
    }
    checkExampleShape(train);
    Map<String, List<String>> layers = backboneLayerVariables();
    config.freeze().checkApplies(new ArrayList<>(layers.keySet()), new ArrayList<>(layers.values()));
    Set<String> upstream = index.ancestors(List.of(cut.features()));
    Map<String, List<String>> reads = new LinkedHashMap<>();
    for (List<String> vars : layers.values()) {
      for (String v : vars) {
        reads.put(v, gradientTargets(v, upstream));
      }
    }
    BatchNormTraining batchNorm = config.batchNormTraining()
        ? batchNormTraining(config.freeze().select(new ArrayList<>(layers.keySet()), new ArrayList<>(layers.values())),
            config.batchNormMomentum())
        : null;
    TrainTarget target = new TrainTarget(model, model.input().tensor(),
        head.features(), cut.featureSize(), head, headSpec.dropout(), headSpec.numClasses(),
        new ArrayList<>(layers.keySet()), new ArrayList<>(layers.values()), reads,
        batchNorm == null ? null : batchNorm.trainingFlag(),
        batchNorm == null ? Map.of() : batchNorm.updates(),
        batchNorm == null ? List.of() : batchNorm.statistics(), runIdentity(train));
    this.classNames = List.copyOf(train.classNames());
    this.lastConfig = config;
    this.trained = true;
    // by name: a validation folder without one class, or with its classes in another order, still means the same ones
    LabeledData matched = validation == null || validation.classNames().equals(train.classNames()) ? validation
        : LabeledDatas.mapClassesByName(validation, train.classNames());
    this.lastResult = Trainer.train(target, LabeledDatas.preprocessed(train, preprocessing),
        LabeledDatas.preprocessed(matched, preprocessing), config);
    return lastResult;
  }

  /** What identifies this run's model, cut, head, classes and scaling, for checkpoints to match on resume. */
  private Map<String, String> runIdentity(LabeledData train) {
    Map<String, String> identity = new LinkedHashMap<>();
    identity.put("model", com.google.common.hash.Hashing.sha256().hashBytes(model.dir().savedModelBytes()).toString());
    identity.put("cut", cut.features());
    identity.put("hidden", headSpec.hidden().toString());
    identity.put("dropout", Float.toString(headSpec.dropout()));
    identity.put("classes", train.classNames().toString());
    identity.put("preprocess", preprocessing.toString());
    return identity;
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
      throw new IllegalArgumentException("Training on precomputed features trains the head alone; got freeze "
          + config.freeze() + " (TrainConfig.Builder.optFreeze)" + (config.augmentation() != null ? " with augmentation"
          : "") + (config.batchNormTraining() ? " with batchNormTraining" : "")
          + ". Train on the images to fine-tune the backbone.");
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
    TrainTarget target = new TrainTarget(model, cut.features(),
        head.features(), cut.featureSize(), head, headSpec.dropout(), headSpec.numClasses(), List.of(), List.of(),
        Map.of(), null, Map.of(), List.of(), runIdentity(features));
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
      model.assignVariables(head.variables(), tensors::get);
    } finally {
      tensors.forEach(org.tensorflow.Tensor::close);
    }
    this.classNames = List.copyOf(classNames);
    this.trained = true;
    return this;
  }

  /**
   * Where the loss's gradient with respect to variable {@code v} is taken: the outputs of the {@code ReadVariableOp}s
   * through which the features read it, or the variable's handle itself when an embedding lookup
   * ({@code ResourceGather}) reads it straight from the handle.
   */
  private List<String> gradientTargets(String v, Set<String> upstream) {
    boolean gathered = false;
    for (NodeDef consumer : index.consumers(v)) {
      if (upstream.contains(consumer.getName()) && consumer.getOp().equals("ResourceGather")) {
        long batchDims = consumer.getAttrMap().containsKey("batch_dims") ? consumer.getAttrMap().get("batch_dims").getI()
            : 0;
        if (batchDims != 0) {
          throw new GraftException(TrainConfig.message("Variable '" + v + "' is read by ResourceGather '"
              + consumer.getName() + "' with batch_dims " + batchDims + ", which Graft cannot differentiate. Keep its "
              + "layer frozen ({freeze} head, or last:N short of layer '" + VariableInfo.layerOf(v) + "')."));
        }
        gathered = true;
      }
    }
    // the handle's gradient sums what flows back through every read and lookup of it
    return gathered ? List.of(new TensorRef(v, 0).toString()) : index.readsOf(v, upstream::contains);
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
    model = model.rebuilt(rewrite.graph());
    head = HeadBuilder.build(model.graph(), cut, headSpec, HeadBuilder.Mode.TRAIN, head.scope());
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

  /**
   * Accuracy, loss, top-k and confusion of the current weights on labelled data (no dropout); its classes are matched
   * to the head's by name, and may be a subset of them.
   */
  public Metrics evaluate(LabeledData data, int topK) {
    if (head == null) {
      throw new IllegalStateException("No new head: call replaceHead(HeadSpec) before evaluate()");
    }
    LabeledData matched = classNames == null || data.classNames().equals(classNames) ? data
        : LabeledDatas.mapClassesByName(data, classNames);
    LabeledData scaled = LabeledDatas.preprocessed(matched, preprocessing);
    Metrics metrics = new Metrics(headSpec.numClasses(), topK);
    new ForwardPass(model.session(), TensorRef.parse(model.input().tensor()).in(model.graph()),
        TensorRef.parse(head.probabilities()).in(model.graph()), headSpec.numClasses())
        .run(scaled, false, (p, batch) -> metrics.add(p, batch.labelArray(), batch.size()));
    return metrics;
  }

  /** Exports the retrained model as a SavedModel under {@code out/<version>}; returns the version folder. */
  public Path export(Path out, ExportOptions options) {
    if (head == null || classNames == null) {
      throw new IllegalStateException("Nothing to export: call replaceHead() and train() first");
    }
    return new ModelExporter(new ExportSource(model, cut, head, headSpec, classNames, preprocessing, lastConfig))
        .export(out, options);
  }

  @Override
  public void close() {
    model.close();
  }
}
