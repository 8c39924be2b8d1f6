package dev.graft.export;

import dev.graft.graph.ReservedNames;
import dev.graft.graph.SaveRestoreOps;
import dev.graft.graph.TensorRef;
import dev.graft.io.AtomicFiles;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.file.FileAlreadyExistsException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.stream.Stream;
import org.tensorflow.Graph;
import org.tensorflow.GraphOperation;
import org.tensorflow.Session;
import org.tensorflow.TensorFlow;
import org.tensorflow.op.Scope;
import org.tensorflow.proto.AssetFileDef;
import org.tensorflow.proto.CollectionDef;
import org.tensorflow.proto.DataType;
import org.tensorflow.proto.GraphDef;
import org.tensorflow.proto.MetaGraphDef;
import org.tensorflow.proto.NodeDef;
import org.tensorflow.proto.SavedModel;
import org.tensorflow.proto.SaverDef;
import org.tensorflow.proto.SignatureDef;
import org.tensorflow.proto.TensorInfo;
import org.tensorflow.proto.TensorShapeProto;
import org.tensorflow.proto.VariableDef;
import org.tensorflow.types.TString;

/**
 * Writes a graph and the values its session holds as a SavedModel folder that TensorFlow's C++
 * loader (and so TensorFlow Serving and Python's {@code tf.saved_model.load}) restores.
 *
 * <p>Unlike TF Java's stock exporter it saves resource variables: it adds its own {@code SaveV2} /
 * {@code RestoreV2} ops over every variable of the graph and records them in a {@link SaverDef}.
 * The folder is written beside the target under a temporary name and renamed into place, so a
 * failed export leaves nothing that looks like a model; the temporaries of earlier writers that were killed are
 * removed first (see {@link AtomicFiles#cleanStale}).
 *
 * <pre>{@code
 * SavedModelWriter.of(graph, session)
 *     .signature("serving_default", signatureDef)
 *     .asset("labels.txt", labelBytes)
 *     .write(Path.of("out/1"));
 * }</pre>
 */
public final class SavedModelWriter {

  /** Name scope of the save/restore ops; no op of an exported graph may start with it otherwise. */
  public static final String SAVE_SCOPE = "save";
  private static final String MAIN_OP_COLLECTION = "saved_model_main_op";
  /** Name scope of the reads and initializers that the variables' {@code VariableDef}s name. */
  private static final String VARIABLES_SCOPE = ReservedNames.EXPORT_VARIABLES;

  private final Graph graph;
  private final Session session;
  private final Map<String, SignatureDef> signatures = new LinkedHashMap<>();
  private final Map<String, byte[]> assets = new LinkedHashMap<>();
  private final Map<String, byte[]> extras = new LinkedHashMap<>();
  private final java.util.List<String> excludedScopes = new java.util.ArrayList<>();
  private Runnable beforeRename = () -> {};
  private String initOp;
  /** Which variables are trainable, when the {@code variables} collections are written; null: not written. */
  private java.util.function.Predicate<String> trainable;
  private final List<VariableDef> variableDefs = new ArrayList<>();
  private final List<AssetFileDef> assetFiles = new ArrayList<>();

  private SavedModelWriter(Graph graph, Session session) {
    this.graph = graph;
    this.session = session;
  }

  /** A writer for a graph whose variables hold their values in {@code session}. */
  public static SavedModelWriter of(Graph graph, Session session) {
    return new SavedModelWriter(graph, session);
  }

  /** Adds a signature; every TensorInfo must carry its shape. */
  public SavedModelWriter signature(String key, SignatureDef def) {
    signatures.put(key, def);
    return this;
  }

  /** A TensorInfo for a graph tensor with its dtype and shape (-1 for unknown dims). */
  public static TensorInfo tensorInfo(String tensorName, DataType dtype, long... shape) {
    TensorShapeProto.Builder dims = TensorShapeProto.newBuilder();
    for (long d : shape) {
      dims.addDim(TensorShapeProto.Dim.newBuilder().setSize(d));
    }
    return TensorInfo.newBuilder().setName(tensorName).setDtype(dtype).setTensorShape(dims).build();
  }

  /**
   * Names the op that loaders run once the variables are restored (it fills lookup tables), written as TF1
   * SavedModels write it: the {@code saved_model_main_op} collection, which TensorFlow's C++ loader (TensorFlow
   * Serving's) and Python's run. Python would extract an {@code __saved_model_init_op} signature of a graph without
   * an object graph as a function, and fail where the op reads the asset paths that only loaders feed.
   */
  public SavedModelWriter initOp(String op) {
    this.initOp = op;
    return this;
  }

  /**
   * Writes the {@code variables} and {@code trainable_variables} collections, the latter with the variables
   * (by node name) that {@code isTrainable} accepts. Python's loader makes {@code tf.Variable}s of their
   * entries, so that {@code tf.saved_model.load(path).variables} and a Keras {@code TFSMLayer}'s weights hold
   * the model's variables; without them Python sees none.
   */
  public SavedModelWriter variableCollections(java.util.function.Predicate<String> isTrainable) {
    this.trainable = isTrainable;
    return this;
  }

  /**
   * Adds a file under {@code assets/} that the graph reads (a vocabulary, say): loaders feed its path to the string
   * placeholder {@code tensorName} before they run the init op.
   */
  public SavedModelWriter assetFile(String tensorName, String filename, byte[] content) {
    asset(filename, content);
    assetFiles.add(AssetFileDef.newBuilder().setTensorInfo(TensorInfo.newBuilder().setName(tensorName))
        .setFilename(filename).build());
    return this;
  }

  /** Adds a file under {@code assets/}. */
  public SavedModelWriter asset(String name, byte[] content) {
    if (assets.containsKey(name)) {
      throw new IllegalArgumentException("Asset '" + name + "' was added twice; give each asset file its own name");
    }
    assets.put(name, content.clone());
    return this;
  }

  /** Adds a file under {@code assets.extra/} (metadata that loaders ignore). */
  public SavedModelWriter extra(String name, byte[] content) {
    extras.put(name, content.clone());
    return this;
  }

  /**
   * Leaves the ops under {@code scope} out of the written graph: helpers such as the ops that
   * assigned the weights, which no loader needs.
   */
  public SavedModelWriter excludeScope(String scope) {
    excludedScopes.add(scope + "/");
    return this;
  }

  /** A hook run after everything is written and before the rename: tests simulate failures with it. */
  SavedModelWriter beforeRename(Runnable hook) {
    this.beforeRename = hook;
    return this;
  }

  /**
   * Writes the SavedModel to {@code target}, which must not exist yet.
   *
   * @throws IllegalArgumentException when {@code target} exists, or appears while the model is written
   * @throws IllegalStateException when no signature was added
   * @throws UncheckedIOException when the disk refuses
   */
  public void write(Path target) {
    if (Files.exists(target)) {
      throw new IllegalArgumentException("Export target " + target + " already exists; choose a new folder or version");
    }
    writeAndMove(target, temp -> {
      AtomicFiles.moveDir(temp, target);
      return target;
    });
  }

  /**
   * Writes the SavedModel to {@code out/N}, N the next free version (one above the highest numbered folder) at the
   * moment of the rename: another writer that took a version meanwhile makes this one take the next. Returns the
   * version folder.
   *
   * @throws IllegalArgumentException when a version folder's number is too large to count on from
   * @throws IllegalStateException when no signature was added
   * @throws UncheckedIOException when the disk refuses
   */
  public Path writeNextVersion(Path out) {
    return writeAndMove(out.resolve("version"), temp -> AtomicFiles.moveToFreeVersion(temp, out, nextVersion(out)));
  }

  /**
   * The version a new export of {@code out} takes: one above the highest all-digit folder name, 1 when there is none.
   *
   * @throws IllegalArgumentException when a folder's number is too large to count on from
   */
  public static long nextVersion(Path out) {
    if (!Files.isDirectory(out)) {
      return 1;
    }
    long max = 0;
    try (Stream<Path> children = Files.list(out)) {
      for (String name : children.map(p -> p.getFileName().toString()).filter(n -> n.matches("\\d+")).toList()) {
        String digits = name.replaceFirst("^0+(?=\\d)", "");
        if (digits.length() > 18) {
          throw new IllegalArgumentException("Version folder " + out.resolve(name) + " has a number too large to count "
              + "on from (more than 18 digits); choose the version yourself, or export to another folder");
        }
        max = Math.max(max, Long.parseLong(digits));
      }
    } catch (IOException e) {
      throw new UncheckedIOException("Cannot list " + out + ": " + e.getMessage(), e);
    }
    return max + 1;
  }

  /** What puts a finished temporary folder in place, returning where it went. */
  @FunctionalInterface
  private interface Placement {
    Path place(Path temp) throws IOException;
  }

  private Path writeAndMove(Path nominal, Placement placement) {
    if (signatures.isEmpty()) {
      throw new IllegalStateException("No signature added: call signature(key, def) before write()");
    }
    Path parent = nominal.toAbsolutePath().getParent();
    Path temp = null;
    try {
      Files.createDirectories(parent);
      AtomicFiles.cleanStale(parent);
      temp = AtomicFiles.createTempDir(nominal);
      SaverDef saver = addSaveOps();
      saveVariables(saver, temp.resolve("variables").resolve("variables"));
      writeModelProto(temp, saver);
      writeFiles(temp.resolve("assets"), assets);
      writeFiles(temp.resolve("assets.extra"), extras);
      beforeRename.run();
      Path placed = placement.place(temp);
      temp = null;
      return placed;
    } catch (FileAlreadyExistsException e) {
      throw new IllegalArgumentException("Export target " + e.getFile() + " appeared while the model was written; "
          + "choose a new folder or version", e);
    } catch (IOException e) {
      throw new UncheckedIOException("Writing the SavedModel to " + nominal + " failed: " + e.getMessage(), e);
    } finally {
      if (temp != null) {
        AtomicFiles.deleteQuietly(temp);
      }
    }
  }

  private SaverDef addSaveOps() {
    List<GraphOperation> variables = new ArrayList<>();
    graph.operations().forEachRemaining(op -> {
      if (op.type().equals("VarHandleOp")) {
        variables.add(op);
      }
    });
    SaveRestoreOps ops = SaveRestoreOps.add(graph, SAVE_SCOPE, variables);
    if (trainable != null) {
      addVariableDefs(variables);
    }
    return SaverDef.newBuilder()
        .setFilenameTensorName(ops.filename() + ":0")
        .setSaveTensorName(ops.save() + ":0")
        .setRestoreOpName(ops.restore())
        .setVersion(SaverDef.CheckpointFormatVersion.V2)
        .build();
  }

  /**
   * Describes every numeric variable as TF1 SavedModels do ({@code VariableDef}: handle, a snapshot read and
   * an initializer, here one that sets zeros; loaders restore the saved values instead of running it).
   */
  private void addVariableDefs(List<GraphOperation> variables) {
    Scope base = graph.baseScope();
    for (int i = 0; i < variables.size(); i++) {
      GraphOperation variable = variables.get(i);
      DataType dtype = variable.attributes().getAttrType("dtype");
      if (dtype == DataType.DT_STRING || dtype == DataType.DT_RESOURCE || dtype == DataType.DT_VARIANT) {
        continue;
      }
      String scope = VARIABLES_SCOPE + "/" + i;
      GraphOperation read = graph.opBuilder("ReadVariableOp", scope + "/read", base)
          .addInput(variable.output(0)).setAttr("dtype", dtype).build();
      GraphOperation zeros = graph.opBuilder("ZerosLike", scope + "/zeros", base)
          .addInput(read.output(0)).build();
      graph.opBuilder("AssignVariableOp", scope + "/initializer", base)
          .addInput(variable.output(0)).addInput(zeros.output(0)).setAttr("dtype", dtype).build();
      variableDefs.add(VariableDef.newBuilder().setVariableName(variable.name() + ":0")
          .setInitializerName(scope + "/initializer").setSnapshotName(scope + "/read:0").setIsResource(true)
          .setTrainable(trainable.test(variable.name())).build());
    }
  }

  private CollectionDef collection(boolean trainableOnly) {
    CollectionDef.BytesList.Builder entries = CollectionDef.BytesList.newBuilder();
    for (VariableDef def : variableDefs) {
      if (!trainableOnly || def.getTrainable()) {
        entries.addValue(def.toByteString());
      }
    }
    return CollectionDef.newBuilder().setBytesList(entries).build();
  }

  private void saveVariables(SaverDef saver, Path prefix) throws IOException {
    Files.createDirectories(prefix.getParent());
    try (TString file = TString.scalarOf(prefix.toString())) {
      session.runner().feed(saver.getFilenameTensorName(), file)
          .addTarget(TensorRef.parse(saver.getSaveTensorName()).op()).run();
    }
  }

  private void writeModelProto(Path dir, SaverDef saver) throws IOException {
    MetaGraphDef.Builder meta = MetaGraphDef.newBuilder()
        .setGraphDef(withoutExcludedScopes(graph.toGraphDef()))
        .setSaverDef(saver)
        .putAllSignatureDef(signatures)
        .addAllAssetFileDef(assetFiles);
    if (trainable != null) {
      meta.putCollectionDef("variables", collection(false)).putCollectionDef("trainable_variables", collection(true));
    }
    if (initOp != null) {
      meta.putCollectionDef(MAIN_OP_COLLECTION,
          CollectionDef.newBuilder().setNodeList(CollectionDef.NodeList.newBuilder().addValue(initOp)).build());
    }
    meta.getMetaInfoDefBuilder().addTags("serve").setTensorflowVersion(TensorFlow.version());
    SavedModel model = SavedModel.newBuilder().setSavedModelSchemaVersion(1).addMetaGraphs(meta).build();
    Files.write(dir.resolve("saved_model.pb"), DeterministicProto.toBytes(model));
  }

  private GraphDef withoutExcludedScopes(GraphDef def) {
    if (excludedScopes.isEmpty()) {
      return def;
    }
    GraphDef.Builder kept = def.toBuilder().clearNode();
    for (NodeDef node : def.getNodeList()) {
      if (excludedScopes.stream().noneMatch(node.getName()::startsWith)) {
        kept.addNode(node);
      }
    }
    return kept.build();
  }

  private static void writeFiles(Path dir, Map<String, byte[]> files) throws IOException {
    if (files.isEmpty()) {
      return;
    }
    Files.createDirectories(dir);
    for (Map.Entry<String, byte[]> file : files.entrySet()) {
      Files.write(dir.resolve(file.getKey()), file.getValue());
    }
  }
}
