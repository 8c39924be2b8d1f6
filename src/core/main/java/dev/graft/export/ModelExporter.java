package dev.graft.export;

import dev.graft.graph.TensorRef;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.SerializationFeature;
import com.google.common.hash.Hashing;
import dev.graft.data.transform.Preprocessing;
import dev.graft.error.SettingException;
import dev.graft.graph.CutPoint;
import dev.graft.graph.GraphIndex;
import dev.graft.graph.ReservedNames;
import dev.graft.graph.VariableIo;
import dev.graft.graph.VariableSnapshot;
import dev.graft.head.Head;
import dev.graft.head.HeadBuilder;
import dev.graft.model.TensorSpec;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Set;
import org.tensorflow.Graph;
import org.tensorflow.Operand;
import org.tensorflow.Session;
import org.tensorflow.TensorFlow;
import org.tensorflow.ndarray.NdArrays;
import org.tensorflow.op.Ops;
import org.tensorflow.proto.AttrValue;
import org.tensorflow.proto.DataType;
import org.tensorflow.proto.GraphDef;
import org.tensorflow.proto.NodeDef;
import org.tensorflow.proto.SignatureDef;
import org.tensorflow.proto.TensorProto;
import org.tensorflow.proto.TensorShapeProto;
import org.tensorflow.types.TFloat32;
import org.tensorflow.types.TInt64;
import org.tensorflow.types.TString;

/**
 * Builds the serving graph of a retrained model (backbone, new head without dropout, optional old
 * head and baked-in preprocessing) and writes it as a versioned SavedModel.
 *
 * <p>Signature {@code serving_default} keeps the original input name, dtype and shape, and answers
 * {@code probabilities} float [N,K], {@code class_ids} int64 [N] and {@code labels} string [N].
 */
public final class ModelExporter {

  private static final String PREPROCESS = ReservedNames.PREPROCESS;
  private static final String OUTPUTS = ReservedNames.OUTPUTS;
  private static final String EXPORT_IO = ReservedNames.EXPORT_IO;
  private static final String LABELS = "labels.txt";
  private static final org.slf4j.Logger LOG = org.slf4j.LoggerFactory.getLogger(ModelExporter.class);
  private static final ObjectMapper JSON = new ObjectMapper().enable(SerializationFeature.INDENT_OUTPUT)
      .enable(SerializationFeature.ORDER_MAP_ENTRIES_BY_KEYS);

  private final ExportSource source;

  /** An exporter of {@code source}. */
  public ModelExporter(ExportSource source) {
    this.source = source;
  }

  /**
   * Writes {@code out/<version>} and returns it: the asked-for version, or the next free one at the moment of the
   * rename.
   */
  public Path export(Path out, ExportOptions options) {
    Path target = options.version() > 0 ? out.resolve(Long.toString(options.version())) : null;
    if (target != null && Files.exists(target)) {
      throw new SettingException("ExportOptions.Builder", Map.of("version", "optVersion"), "Version folder " + target
          + " already exists; pass another {version} or leave it out to take the next free one");
    }
    for (String name : source.classNames()) {
      if (name.isEmpty() || name.contains("\n") || name.contains("\r")) {
        throw new IllegalArgumentException("Class name '" + name.replace("\n", "\\n").replace("\r", "\\r")
            + "' cannot be written to labels.txt (one name a line); rename the class folder or pass names without "
            + "line breaks");
      }
    }
    CutPoint cut = source.cut();
    TensorSpec input = source.model().input();
    if (options.keepOldHead() && source.trainConfig() != null
        && source.trainConfig().freeze().kind() != dev.graft.train.FreezePolicy.Kind.HEAD) {
      // worded without setting names: the library's callers and the command line both show it as it is
      LOG.warn("The export keeps the old head, which reads backbone layers that were fine-tuned ({}): "
          + "old_probabilities differ from the original model's outputs", source.trainConfig().freeze());
    }
    List<TensorSpec> sourceOutputs = source.model().signature().outputs();
    List<String> keep = new ArrayList<>(List.of(cut.features(), input.tensor()));
    if (options.keepOldHead()) {
      keep.add(cut.oldOutput());
      sourceOutputs.forEach(t -> keep.add(t.tensor()));
    }
    String initOp = source.model().initOp();
    if (initOp != null) {
      keep.add(initOp);
    }
    GraphDef backbone = prune(source.model().flatGraph(), keep);
    boolean bake = options.inputContract() == ExportOptions.InputContract.RAW_PIXELS
        && input.dtype() == DataType.DT_FLOAT && source.preprocessing().mode() != Preprocessing.Mode.NONE;
    String modelInput = input.tensor();
    if (bake) {
      String scope = uniqueScope(backbone, PREPROCESS);
      backbone = bakePreprocessing(backbone, input, scope);
      modelInput = scope + "/add:0";
    }
    try (Graph graph = new Graph(); Session session = new Session(graph)) {
      graph.importGraphDef(backbone);
      Head head = HeadBuilder.build(graph, cut, source.headSpec(), HeadBuilder.Mode.SERVE, source.head().scope());
      String outputs = uniqueScope(backbone, OUTPUTS);
      SignatureDef.Builder serving = servingSignature(graph, head, input, outputs);
      SignatureDef original = null;
      if (options.keepOldHead()) {
        String old = oldProbabilities(graph, cut, outputs);
        TensorInfoShape shape = new TensorInfoShape(-1, cut.numClasses() > 0 ? cut.numClasses() : -1);
        serving.putOutputs("old_probabilities", SavedModelWriter.tensorInfo(old, DataType.DT_FLOAT, shape.dims()));
        original = originalSignature(input, modelInput, sourceOutputs);
      }
      copyVariables(graph, session);
      Set<String> frozen = new java.util.HashSet<>();
      source.model().variables().stream().filter(v -> !v.trainable()).forEach(v -> frozen.add(v.name()));
      SavedModelWriter writer = SavedModelWriter.of(graph, session).excludeScope(EXPORT_IO)
          .variableCollections(name -> !frozen.contains(name))
          .signature("serving_default", serving.build())
          .asset(LABELS, (String.join("\n", source.classNames()) + "\n").getBytes(StandardCharsets.UTF_8))
          .extra("graft.json", metadata(options, bake, input));
      if (original != null) {
        writer.signature("original", original);
      }
      if (initOp != null) {
        writer.initOp(initOp);
        addAssetFiles(writer, graph);
      }
      if (target != null) {
        writer.write(target);
        return target;
      }
      return writer.writeNextVersion(out);
    }
  }

  private record TensorInfoShape(long... dims) {}

  /** Carries the asset files the kept graph reads (vocabularies of lookup tables) into the export. */
  private void addAssetFiles(SavedModelWriter writer, Graph graph) {
    Path assets = source.model().dir().path().resolve("assets");
    for (Map.Entry<String, Path> asset : source.model().dir().assetFiles().entrySet()) {
      if (graph.operation(TensorRef.opOf(asset.getKey())) == null) {
        continue;
      }
      String filename = assets.relativize(asset.getValue()).toString();
      if (filename.equals(LABELS)) {
        throw new dev.graft.error.GraftException("The model reads an asset file named " + LABELS + ", the name of the "
            + "class names Graft writes beside it. Rename the file in the Python model and export it again.");
      }
      try {
        writer.assetFile(asset.getKey(), filename, Files.readAllBytes(asset.getValue()));
      } catch (IOException e) {
        throw new UncheckedIOException("Cannot read the model's asset file " + asset.getValue() + ": "
            + e.getMessage(), e);
      }
    }
  }

  /**
   * The source model's own signature over the kept graph: the same input key, dtype and shape, fed at the tensor the
   * source model read (past any baked-in scaling), and the source's outputs under their own keys, so it answers as
   * the source model did for the same inputs.
   */
  private static SignatureDef originalSignature(TensorSpec input, String modelInput, List<TensorSpec> outputs) {
    SignatureDef.Builder original = SignatureDef.newBuilder().setMethodName("tensorflow/serving/predict")
        .putInputs(input.key(), info(modelInput, input.dtype(), input.shape()));
    for (TensorSpec output : outputs) {
      original.putOutputs(output.key(), info(output.tensor(), output.dtype(), output.shape()));
    }
    return original.build();
  }

  /** {@code base}, or {@code base_N} for the first N under which no node of {@code graph} is named. */
  static String uniqueScope(GraphDef graph, String base) {
    Set<String> taken = new java.util.HashSet<>();
    for (NodeDef node : graph.getNodeList()) {
      String name = node.getName();
      int slash = name.indexOf('/');
      taken.add(slash < 0 ? name : name.substring(0, slash));
    }
    String scope = base;
    for (int i = 1; taken.contains(scope); i++) {
      scope = base + "_" + i;
    }
    return scope;
  }

  private static GraphDef prune(GraphDef graph, List<String> tensors) {
    Set<String> needed = new GraphIndex(graph).ancestors(tensors);
    GraphDef.Builder pruned = graph.toBuilder().clearNode();
    for (NodeDef node : graph.getNodeList()) {
      if (needed.contains(node.getName())) {
        pruned.addNode(node);
      }
    }
    return pruned.build();
  }

  /** Inserts {@code x * scale + offset} after the input placeholder and points its readers at it. */
  private GraphDef bakePreprocessing(GraphDef graph, TensorSpec input, String scope) {
    long[] shape = input.shape();
    int channels = shape == null || shape.length < 2 ? 1 : (int) Math.max(1, shape[shape.length - 1]);
    Preprocessing p = source.preprocessing();
    String in = input.node();
    String scaled = scope + "/add";
    GraphDef.Builder out = graph.toBuilder().clearNode();
    for (NodeDef node : graph.getNodeList()) {
      NodeDef.Builder copy = node.toBuilder().clearInput();
      for (String ref : node.getInputList()) {
        boolean readsInput = !ref.startsWith("^") && TensorRef.parse(ref).equals(new TensorRef(in, 0));
        copy.addInput(readsInput ? scaled + ":0" : ref);
      }
      out.addNode(copy);
    }
    AttrValue floatType = AttrValue.newBuilder().setType(DataType.DT_FLOAT).build();
    out.addNode(floatConst(scope + "/scale", p.scale(channels)));
    out.addNode(floatConst(scope + "/offset", p.offset(channels)));
    out.addNode(NodeDef.newBuilder().setName(scope + "/mul").setOp("Mul").addInput(in + ":0")
        .addInput(scope + "/scale").putAttr("T", floatType));
    out.addNode(NodeDef.newBuilder().setName(scaled).setOp("AddV2").addInput(scope + "/mul")
        .addInput(scope + "/offset").putAttr("T", floatType));
    return out.build();
  }

  private static NodeDef floatConst(String name, float[] values) {
    TensorProto.Builder tensor = TensorProto.newBuilder().setDtype(DataType.DT_FLOAT)
        .setTensorShape(TensorShapeProto.newBuilder().addDim(TensorShapeProto.Dim.newBuilder().setSize(values.length)));
    for (float v : values) {
      tensor.addFloatVal(v);
    }
    return NodeDef.newBuilder().setName(name).setOp("Const")
        .putAttr("dtype", AttrValue.newBuilder().setType(DataType.DT_FLOAT).build())
        .putAttr("value", AttrValue.newBuilder().setTensor(tensor).build()).build();
  }

  private SignatureDef.Builder servingSignature(Graph graph, Head head, TensorSpec input, String scope) {
    Ops tf = Ops.create(graph).withSubScope(scope);
    Operand<TFloat32> probabilities = graph.outputOrThrow(head.probabilities()).expect(TFloat32.class);
    Operand<TInt64> classIds = tf.withName("class_ids").math.argMax(probabilities, tf.constant(1), TInt64.class);
    Operand<TString> names;
    try (TString values = TString.tensorOf(NdArrays.vectorOfObjects(source.classNames().toArray(new String[0])))) {
      names = tf.withName("class_names").constantOf(values);
    }
    Operand<TString> labels = tf.withName("labels").gather(names, classIds, tf.constant(0));
    int k = source.headSpec().numClasses();
    return SignatureDef.newBuilder().setMethodName("tensorflow/serving/predict")
        .putInputs(input.key(), inputInfo(input))
        .putOutputs("probabilities", SavedModelWriter.tensorInfo(head.probabilities(), DataType.DT_FLOAT, -1, k))
        .putOutputs("class_ids", SavedModelWriter.tensorInfo(name(classIds), DataType.DT_INT64, -1))
        .putOutputs("labels", SavedModelWriter.tensorInfo(name(labels), DataType.DT_STRING, -1));
  }

  private static String name(Operand<?> operand) {
    return operand.asOutput().op().name() + ":" + operand.asOutput().index();
  }

  private static org.tensorflow.proto.TensorInfo inputInfo(TensorSpec input) {
    return info(input.tensor(), input.dtype(), input.shape());
  }

  /** A TensorInfo with the shape, or with an unknown rank when {@code shape} is null. */
  private static org.tensorflow.proto.TensorInfo info(String tensor, DataType dtype, long[] shape) {
    if (shape == null) {
      return org.tensorflow.proto.TensorInfo.newBuilder().setName(tensor).setDtype(dtype)
          .setTensorShape(TensorShapeProto.newBuilder().setUnknownRank(true)).build();
    }
    return SavedModelWriter.tensorInfo(tensor, dtype, shape);
  }

  /** The old head's probabilities: its output, or a softmax over it when the model emitted raw logits. */
  private static String oldProbabilities(Graph graph, CutPoint cut, String scope) {
    if (cut.activation() != CutPoint.Activation.NONE) {
      return cut.oldOutput();
    }
    Ops tf = Ops.create(graph).withSubScope(scope);
    Operand<TFloat32> logits = graph.outputOrThrow(cut.oldOutput()).expect(TFloat32.class);
    return name(tf.withName("old_probabilities").nn.softmax(logits));
  }

  /**
   * What the export's input takes and how Graft scaled its decoded examples while training: {@code y = x * scale[c]
   * + offset[c]} per channel, applied by the client (drop-in) or by the serving graph (raw-pixels).
   */
  private Map<String, Object> preprocessingInfo(ExportOptions options, boolean baked, TensorSpec input) {
    Preprocessing p = source.preprocessing();
    long[] shape = input.shape();
    int channels = shape == null || shape.length < 2 ? 1 : (int) Math.max(1, shape[shape.length - 1]);
    Map<String, Object> info = new LinkedHashMap<>();
    info.put("mode", p.toString());
    info.put("bakedIntoServingGraph", baked);
    info.put("inputContract", options.inputContract().id());
    if (input.dtype() == DataType.DT_FLOAT) {
      info.put("scale", p.scale(channels));
      info.put("offset", p.offset(channels));
    }
    info.put("description", baked
        ? "The serving graph applies y = x * scale + offset to raw values (pixels 0-255) itself: send raw values."
        : p.mode() == Preprocessing.Mode.NONE || input.dtype() != DataType.DT_FLOAT
            ? "The export takes what the source model took; Graft fed examples unscaled."
            : "The export takes what the source model took. Graft decoded examples to raw values (pixels 0-255) and "
                + "fed the model y = x * scale + offset; send values scaled the same way.");
    return info;
  }

  private void copyVariables(Graph graph, Session session) {
    List<String> names = VariableIo.variablesOf(graph);
    try (VariableSnapshot values = source.model().readVariables(names)) {
      new VariableIo(graph, EXPORT_IO).assign(session, values);
    }
  }

  private byte[] metadata(ExportOptions options, boolean baked, TensorSpec input) {
    Map<String, Object> meta = new LinkedHashMap<>();
    var dir = source.model().dir();
    meta.put("source", Map.of("path", dir.path().toAbsolutePath().normalize().toString(),
        "savedModelSha256", Hashing.sha256().hashBytes(dir.savedModelBytes()).toString(),
        "signature", source.model().signature().key(), "tfVersion", dir.tfVersion()));
    CutPoint cut = source.cut();
    Map<String, Object> cutInfo = new LinkedHashMap<>();
    cutInfo.put("features", cut.features());
    cutInfo.put("layer", cut.layer());
    cutInfo.put("pooling", cut.pooling().toString());
    cutInfo.put("featureSize", cut.featureSize());
    cutInfo.put("oldLogits", cut.logits());
    cutInfo.put("oldNumClasses", cut.numClasses());
    cutInfo.put("oldActivation", cut.activation().id());
    meta.put("cut", cutInfo);
    meta.put("head", Map.of("numClasses", source.headSpec().numClasses(), "hidden", source.headSpec().hidden(),
        "dropout", source.headSpec().dropout()));
    meta.put("preprocessing", preprocessingInfo(options, baked, input));
    meta.put("classNames", source.classNames());
    meta.put("keepOldHead", options.keepOldHead());
    meta.put("tfVersion", TensorFlow.version());
    meta.putAll(options.metadata());
    try {
      return JSON.writeValueAsBytes(meta);
    } catch (IOException e) {
      throw new UncheckedIOException(e);
    }
  }
}
