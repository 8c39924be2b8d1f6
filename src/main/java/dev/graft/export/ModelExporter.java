package dev.graft.export;

import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.SerializationFeature;
import com.google.common.hash.Hashing;
import dev.graft.GraftModel;
import dev.graft.data.Preprocessing;
import dev.graft.graph.CutPoint;
import dev.graft.graph.GraphIndex;
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
import java.util.stream.Stream;
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

  private static final String PREPROCESS = "graft_preprocess";
  private static final String OUTPUTS = "graft_outputs";
  private static final String EXPORT_IO = "graft_export_io";
  private static final String LABELS = "labels.txt";
  private static final org.slf4j.Logger LOG = org.slf4j.LoggerFactory.getLogger(ModelExporter.class);
  private static final ObjectMapper JSON = new ObjectMapper().enable(SerializationFeature.INDENT_OUTPUT)
      .enable(SerializationFeature.ORDER_MAP_ENTRIES_BY_KEYS);

  private final GraftModel source;

  public ModelExporter(GraftModel source) {
    this.source = source;
  }

  /** Writes {@code out/<version>} and returns it. */
  public Path export(Path out, ExportOptions options) {
    int version = options.version() > 0 ? options.version() : nextVersion(out);
    Path target = out.resolve(Integer.toString(version));
    if (Files.exists(target)) {
      throw new IllegalArgumentException("Version folder " + target + " already exists; pass another --version "
          + "or leave it out to take the next free one");
    }
    CutPoint cut = source.cut();
    TensorSpec input = source.model().input();
    if (options.keepOldHead() && source.lastConfig() != null
        && source.lastConfig().freeze().kind() != dev.graft.train.FreezePolicy.Kind.HEAD) {
      LOG.warn("--keep-old-head with --train {}: the old head reads backbone layers that were fine-tuned, so "
          + "old_probabilities differ from the original model's outputs", source.lastConfig().freeze());
    }
    List<String> keep = new ArrayList<>(List.of(cut.features(), input.tensor()));
    if (options.keepOldHead()) {
      keep.add(cut.oldOutput());
    }
    String initOp = source.model().initOp();
    if (initOp != null) {
      keep.add(initOp);
    }
    GraphDef backbone = prune(source.model().flatGraph(), keep);
    boolean bake = options.bakePreprocessing() && input.dtype() == DataType.DT_FLOAT
        && source.preprocessing().mode() != Preprocessing.Mode.NONE;
    if (bake) {
      backbone = bakePreprocessing(backbone, input);
    }
    try (Graph graph = new Graph(); Session session = new Session(graph)) {
      graph.importGraphDef(backbone);
      Head head = HeadBuilder.build(graph, cut.features(), cut.featureSize(), source.headSpec(), HeadBuilder.Mode.SERVE,
          source.head().scope());
      SignatureDef.Builder serving = servingSignature(graph, head, input);
      SignatureDef original = null;
      if (options.keepOldHead()) {
        String old = oldProbabilities(graph, cut);
        TensorInfoShape shape = new TensorInfoShape(-1, cut.numClasses() > 0 ? cut.numClasses() : -1);
        serving.putOutputs("old_probabilities", SavedModelWriter.tensorInfo(old, DataType.DT_FLOAT, shape.dims()));
        original = SignatureDef.newBuilder().setMethodName("tensorflow/serving/predict")
            .putInputs(input.key(), inputInfo(input))
            .putOutputs("old_probabilities", SavedModelWriter.tensorInfo(old, DataType.DT_FLOAT, shape.dims())).build();
      }
      copyVariables(graph, session);
      Set<String> frozen = new java.util.HashSet<>();
      source.model().variables().stream().filter(v -> !v.trainable()).forEach(v -> frozen.add(v.name()));
      SavedModelWriter writer = SavedModelWriter.of(graph, session).excludeScope(EXPORT_IO)
          .variableCollections(name -> !frozen.contains(name))
          .signature("serving_default", serving.build())
          .asset(LABELS, (String.join("\n", source.classNames()) + "\n").getBytes(StandardCharsets.UTF_8))
          .extra("graft.json", metadata(options, bake));
      if (original != null) {
        writer.signature("original", original);
      }
      if (initOp != null) {
        writer.initOp(initOp);
        addAssetFiles(writer, graph);
      }
      writer.write(target);
    }
    return target;
  }

  private record TensorInfoShape(long... dims) {}

  /** Carries the asset files the kept graph reads (vocabularies of lookup tables) into the export. */
  private void addAssetFiles(SavedModelWriter writer, Graph graph) {
    Path assets = source.model().dir().path().resolve("assets");
    for (Map.Entry<String, Path> asset : source.model().dir().assetFiles().entrySet()) {
      if (graph.operation(GraphIndex.nodeOf(asset.getKey())) == null) {
        continue;
      }
      String filename = assets.relativize(asset.getValue()).toString();
      if (filename.equals(LABELS)) {
        throw new dev.graft.GraftException("The model reads an asset file named " + LABELS + ", the name of the "
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

  private static int nextVersion(Path out) {
    if (!Files.isDirectory(out)) {
      return 1;
    }
    try (Stream<Path> children = Files.list(out)) {
      return children.map(p -> p.getFileName().toString()).filter(n -> n.matches("\\d{1,9}"))
          .mapToInt(Integer::parseInt).max().orElse(0) + 1;
    } catch (IOException e) {
      throw new UncheckedIOException("Cannot list " + out + ": " + e.getMessage(), e);
    }
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
  private GraphDef bakePreprocessing(GraphDef graph, TensorSpec input) {
    long[] shape = input.shape();
    int channels = shape == null || shape.length < 2 ? 1 : (int) Math.max(1, shape[shape.length - 1]);
    Preprocessing p = source.preprocessing();
    String in = input.node();
    String scaled = PREPROCESS + "/add";
    GraphDef.Builder out = graph.toBuilder().clearNode();
    for (NodeDef node : graph.getNodeList()) {
      NodeDef.Builder copy = node.toBuilder().clearInput();
      for (String ref : node.getInputList()) {
        boolean readsInput = !ref.startsWith("^") && GraphIndex.nodeOf(ref).equals(in) && GraphIndex.indexOf(ref) == 0;
        copy.addInput(readsInput ? scaled + ":0" : ref);
      }
      out.addNode(copy);
    }
    AttrValue floatType = AttrValue.newBuilder().setType(DataType.DT_FLOAT).build();
    out.addNode(floatConst(PREPROCESS + "/scale", p.scale(channels)));
    out.addNode(floatConst(PREPROCESS + "/offset", p.offset(channels)));
    out.addNode(NodeDef.newBuilder().setName(PREPROCESS + "/mul").setOp("Mul").addInput(in + ":0")
        .addInput(PREPROCESS + "/scale").putAttr("T", floatType));
    out.addNode(NodeDef.newBuilder().setName(scaled).setOp("AddV2").addInput(PREPROCESS + "/mul")
        .addInput(PREPROCESS + "/offset").putAttr("T", floatType));
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

  private SignatureDef.Builder servingSignature(Graph graph, Head head, TensorSpec input) {
    Ops tf = Ops.create(graph).withSubScope(OUTPUTS);
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
    long[] shape = input.shape() == null ? new long[0] : input.shape();
    return SavedModelWriter.tensorInfo(input.tensor(), input.dtype(), shape);
  }

  /** The old head's probabilities: its output, or a softmax over it when the model emitted raw logits. */
  private static String oldProbabilities(Graph graph, CutPoint cut) {
    if (!cut.activation().equals("none")) {
      return cut.oldOutput();
    }
    Ops tf = Ops.create(graph).withSubScope(OUTPUTS);
    Operand<TFloat32> logits = graph.outputOrThrow(cut.oldOutput()).expect(TFloat32.class);
    return name(tf.withName("old_probabilities").nn.softmax(logits));
  }

  private void copyVariables(Graph graph, Session session) {
    List<String> names = VariableIo.variablesOf(graph);
    try (VariableSnapshot values = source.model().variableIo().read(source.model().session(), names)) {
      new VariableIo(graph, EXPORT_IO).assign(session, values);
    }
  }

  private byte[] metadata(ExportOptions options, boolean baked) {
    Map<String, Object> meta = new LinkedHashMap<>();
    var dir = source.model().dir();
    meta.put("source", Map.of("path", dir.path().toAbsolutePath().normalize().toString(),
        "savedModelSha256", Hashing.sha256().hashBytes(dir.savedModelBytes()).toString(),
        "signature", source.model().signature().key(), "tfVersion", dir.tfVersion()));
    CutPoint cut = source.cut();
    Map<String, Object> cutInfo = new LinkedHashMap<>();
    cutInfo.put("features", cut.features());
    cutInfo.put("featureSize", cut.featureSize());
    cutInfo.put("oldLogits", cut.logits());
    cutInfo.put("oldNumClasses", cut.numClasses());
    cutInfo.put("oldActivation", cut.activation());
    meta.put("cut", cutInfo);
    meta.put("head", Map.of("numClasses", source.headSpec().numClasses(), "hidden", source.headSpec().hidden(),
        "dropout", source.headSpec().dropout()));
    meta.put("preprocessing", Map.of("mode", source.preprocessing().toString(), "bakedIntoServingGraph", baked));
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
