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
    try (var stream = dev.graft.data.BatchStream.builder().setData(scaled)
            .setBatchSize(dev.graft.data.BatchStream.forwardBatchSize(scaled)).optShuffle(false).build();
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
