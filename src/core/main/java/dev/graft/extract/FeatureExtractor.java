package dev.graft.extract;

import dev.graft.head.CutChoice;
import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import dev.graft.Graft;
import dev.graft.error.GraftException;
import dev.graft.feature.Featurizer;
import dev.graft.GraftModel;
import dev.graft.data.transform.Preprocessing;
import dev.graft.model.LoadedModel;
import dev.graft.model.SavedModelDir;
import dev.graft.model.SignatureInfo;
import dev.graft.model.TensorSpec;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import org.tensorflow.Result;
import org.tensorflow.SavedModelBundle;
import org.tensorflow.Session;
import org.tensorflow.Tensor;
import org.tensorflow.exceptions.TensorFlowException;
import org.tensorflow.ndarray.Shape;
import org.tensorflow.ndarray.buffer.DataBuffers;
import org.tensorflow.proto.ConfigProto;
import org.tensorflow.types.TFloat32;
import org.tensorflow.types.TInt64;
import org.tensorflow.types.TString;

/**
 * A loaded model that answers, for a batch of images, either the features at its cut (what a new head reads when
 * {@code retrain} trains it) or, for a Graft export, its probabilities, class ids and labels.
 *
 * <p>Safe for concurrent {@link #run} calls: TensorFlow sessions run concurrently.
 *
 * <pre>{@code
 * try (FeatureExtractor model = FeatureExtractor.open(Path.of("mobilenet"),
 *     FeatureOptions.builder().optPreprocess("symmetric").build())) {
 *   float[] batch = new float[n * model.input().size()];
 *   // model.input().decode(bytes, file, batch, i * model.input().size()) for each image i
 *   FeatureExtractor.Outputs out = model.run(batch, n);
 * }
 * }</pre>
 */
public final class FeatureExtractor implements AutoCloseable {

  private static final ObjectMapper JSON = new ObjectMapper();

  /**
   * What one batch gave.
   *
   * @param values {@code n} rows of {@code width} floats: features, or probabilities
   * @param width values per row
   * @param classIds for predictions, the most probable class of each row; null for features
   * @param labels for predictions, that class's name; null for features
   */
  public record Outputs(float[] values, int width, long[] classIds, String[] labels) {

    /** Row {@code i} of {@link #values()}. */
    public float[] row(int i) {
      return java.util.Arrays.copyOfRange(values, i * width, (i + 1) * width);
    }
  }

  private final FeatureOptions options;
  private final GraftModel backbone;
  private final SavedModelBundle export;
  private final Session session;
  private final String inputTensor;
  private final String valuesTensor;
  private final String classIdsTensor;
  private final String labelsTensor;
  private final int width;
  private final ImageInput input;
  private final List<String> classNames;

  private FeatureExtractor(FeatureOptions options, GraftModel backbone, SavedModelBundle export, Session session,
      String inputTensor, String[] outputs, int width, ImageInput input, List<String> classNames) {
    this.options = options;
    this.backbone = backbone;
    this.export = export;
    this.session = session;
    this.inputTensor = inputTensor;
    this.valuesTensor = outputs[0];
    this.classIdsTensor = outputs[1];
    this.labelsTensor = outputs[2];
    this.width = width;
    this.input = input;
    this.classNames = classNames;
  }

  /**
   * Loads the model at {@code dir}.
   *
   * @throws GraftException when the folder is no SavedModel, has no head to cut or no image input, or (for
   *     predictions) is no Graft export
   */
  public static FeatureExtractor open(Path dir, FeatureOptions options) {
    return options.output() == FeatureOptions.Output.FEATURES ? features(dir, options) : predictions(dir, options);
  }

  private static FeatureExtractor features(Path dir, FeatureOptions options) {
    LoadedModel.LoadOptions load = new LoadedModel.LoadOptions(options.tag(), options.signature())
        .withThreads(options.intraOpThreads(), options.interOpThreads());
    GraftModel model = Graft.load(dir, load, new CutChoice(options.cutAt(), options.cutLayer()));
    try {
      if (options.preprocess() != null) {
        model.withPreprocessing(Preprocessing.parse(options.preprocess()));
      }
      ImageInput input = ImageInput.forModel(model.model().input(), model.preprocessing());
      String features = cutTensor(model);
      return new FeatureExtractor(options, model, null, model.model().session(), model.model().input().tensor(),
          new String[] {features, null, null}, Math.toIntExact(model.cut().featureSize()), input, List.of());
    } catch (RuntimeException e) {
      model.close();
      throw e;
    }
  }

  /**
   * The one tensor a feature run fetches: what the new head reads, as {@code retrain}'s head-only training caches it
   * (a feature map pooled with the cut's pooling, by the same ops the feature pass adds).
   */
  private static String cutTensor(GraftModel model) {
    return Featurizer.of(model.model().graph(), model.model().session(), model.model().input().tensor(),
        List.of(model.cut().features()), model.cut().pooling(), Preprocessing.none()).tensor(0);
  }

  private static FeatureExtractor predictions(Path dir, FeatureOptions options) {
    SavedModelDir saved = SavedModelDir.open(dir, options.tag());
    SignatureInfo signature = saved.signature(options.signature());
    String probabilities = output(signature, "probabilities", dir);
    String classIds = output(signature, "class_ids", dir);
    String labels = output(signature, "labels", dir);
    if (signature.inputs().size() != 1) {
      throw new GraftException("Signature '" + signature.key() + "' of " + dir + " has " + signature.inputs().size()
          + " inputs; a Graft export has one image input");
    }
    TensorSpec in = signature.inputs().get(0);
    JsonNode meta = metadata(dir);
    List<String> classNames = new java.util.ArrayList<>();
    meta.path("classNames").forEach(n -> classNames.add(n.asText()));
    Preprocessing preprocessing = options.preprocess() != null ? Preprocessing.parse(options.preprocess())
        : meta.path("preprocessing").path("bakedIntoServingGraph").asBoolean(false) ? Preprocessing.none()
        : Preprocessing.parse(meta.path("preprocessing").path("mode").asText("unit"));
    ImageInput input = ImageInput.forModel(in, preprocessing);
    ConfigProto config = ConfigProto.newBuilder().setIntraOpParallelismThreads(options.intraOpThreads())
        .setInterOpParallelismThreads(options.interOpThreads()).setUsePerSessionThreads(true)
        .setAllowSoftPlacement(true).build();
    SavedModelBundle bundle;
    try {
      bundle = SavedModelBundle.loader(dir.toString()).withTags(options.tag()).withConfigProto(config).load();
    } catch (TensorFlowException e) {
      throw new GraftException("TensorFlow could not load the export " + dir + ": " + e.getMessage(), e);
    }
    long[] shape = signature.outputs().stream().filter(t -> t.key().equals("probabilities")).findFirst()
        .orElseThrow().shape();
    int width = shape != null && shape.length == 2 && shape[1] > 0 ? (int) shape[1] : classNames.size();
    return new FeatureExtractor(options, null, bundle, bundle.session(), in.tensor(),
        new String[] {probabilities, classIds, labels}, width, input, List.copyOf(classNames));
  }

  private static String output(SignatureInfo signature, String key, Path dir) {
    return signature.outputs().stream().filter(t -> t.key().equals(key)).findFirst().map(TensorSpec::tensor)
        .orElseThrow(() -> new GraftException("Model " + dir + " has no '" + key + "' output in signature '"
            + signature.key() + "': it is not a Graft export. Score a model that 'graft retrain' or the Spark "
            + "retrain exported, or ask for features instead of predictions."));
  }

  private static JsonNode metadata(Path dir) {
    Path file = dir.resolve("assets.extra").resolve("graft.json");
    if (!Files.isRegularFile(file)) {
      throw new GraftException("The export " + dir + " lacks assets.extra/graft.json, which names its classes and "
          + "preprocessing; score a folder that Graft exported, whole");
    }
    try {
      return JSON.readTree(file.toFile());
    } catch (IOException e) {
      throw new GraftException("Cannot read " + file + " (" + e.getMessage() + "); the export is incomplete", e);
    }
  }

  /** How options asked for this model. */
  public FeatureOptions options() {
    return options;
  }

  /** The image values one example takes, and how images become them. */
  public ImageInput input() {
    return input;
  }

  /** Values per output row: the feature size, or the number of classes. */
  public int width() {
    return width;
  }

  /** For predictions, the export's classes by id; empty for features. */
  public List<String> classNames() {
    return classNames;
  }

  /** For features, the model with its cut (its head is not replaced); null for predictions. */
  public GraftModel backbone() {
    return backbone;
  }

  /**
   * Runs {@code n} examples, {@link ImageInput#size()} values each, from the start of {@code batch}.
   *
   * @throws IllegalArgumentException when {@code batch} holds fewer values
   */
  public Outputs run(float[] batch, int n) {
    long size = (long) n * input.size();
    if (n < 1 || batch.length < size) {
      throw new IllegalArgumentException("A batch of " + n + " examples needs " + size + " values, got "
          + batch.length);
    }
    long[] shape = input.shape();
    try (TFloat32 x = TFloat32.tensorOf(Shape.of(n, shape[0], shape[1], shape[2]),
        DataBuffers.of(batch, true, false).slice(0, size))) {
      Session.Runner runner = session.runner().feed(inputTensor, x).fetch(valuesTensor);
      if (classIdsTensor != null) {
        runner.fetch(classIdsTensor).fetch(labelsTensor);
      }
      try (Result result = runner.run()) {
        float[] values = new float[n * width];
        Tensor out = result.get(0);
        if (out.asRawTensor().data().asFloats().size() != values.length) {
          throw new IllegalStateException("The model gave " + out.shape() + " for " + n + " examples of " + width
              + " values");
        }
        out.asRawTensor().data().asFloats().read(values);
        if (classIdsTensor == null) {
          return new Outputs(values, width, null, null);
        }
        long[] ids = new long[n];
        ((TInt64) result.get(1)).asRawTensor().data().asLongs().read(ids);
        TString names = (TString) result.get(2);
        String[] labels = new String[n];
        for (int i = 0; i < n; i++) {
          labels[i] = names.getObject(i);
        }
        return new Outputs(values, width, ids, labels);
      }
    }
  }

  @Override
  public void close() {
    if (backbone != null) {
      backbone.close();
    }
    if (export != null) {
      export.close();
    }
  }
}
