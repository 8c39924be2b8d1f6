package dev.graft.model;

import com.google.protobuf.InvalidProtocolBufferException;
import dev.graft.error.GraftException;
import java.io.IOException;
import java.nio.file.AccessDeniedException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.HashMap;
import java.util.HashSet;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.Set;
import java.util.TreeSet;
import org.tensorflow.proto.AssetFileDef;
import org.tensorflow.proto.CollectionDef;
import org.tensorflow.proto.MetaGraphDef;
import org.tensorflow.proto.NodeDef;
import org.tensorflow.proto.SavedModel;
import org.tensorflow.proto.SignatureDef;
import org.tensorflow.proto.SavedObjectGraphOuterClass.SavedObject;
import org.tensorflow.proto.VariableDef;

/**
 * A SavedModel directory read as protos, before TensorFlow loads it: the chosen meta graph and signature.
 *
 * <pre>{@code
 * SavedModelDir dir = SavedModelDir.open(Path.of("model"), "serve");
 * SignatureInfo sig = dir.signature("serving_default");
 * }</pre>
 */
public final class SavedModelDir {

  /** The signature key under which TF2 SavedModels name their init op. */
  public static final String INIT_OP_SIGNATURE = "__saved_model_init_op";

  private final Path path;
  private final MetaGraphDef metaGraph;
  private final byte[] savedModelBytes;

  private SavedModelDir(Path path, MetaGraphDef metaGraph, byte[] savedModelBytes) {
    this.path = path;
    this.metaGraph = metaGraph;
    this.savedModelBytes = savedModelBytes;
  }

  /**
   * Reads {@code saved_model.pb} (or {@code saved_model.pbtxt} is refused) and picks the meta graph tagged {@code tag}.
   *
   * @throws GraftException when the folder is not a SavedModel or has no meta graph with that tag
   */
  public static SavedModelDir open(Path path, String tag) {
    if (!Files.isDirectory(path)) {
      throw new GraftException(Files.exists(path) ? "Model " + path + " is a file, not a folder. Pass the folder that "
          + "holds saved_model.pb." : unreachable(path).orElse("Model folder " + path + " does not exist. "
          + "Pass the folder that holds saved_model.pb."));
    }
    if (!Files.isReadable(path) || !Files.isExecutable(path)) {
      throw new GraftException("Model folder " + path + " cannot be read with this account's permissions (permission "
          + "denied). Make it readable (chmod -R a+rX " + path + ") or run as its owner.");
    }
    Path pb = path.resolve("saved_model.pb");
    if (!Files.isRegularFile(pb)) {
      String hint = Files.isRegularFile(path.resolve("saved_model.pbtxt"))
          ? " It holds saved_model.pbtxt: re-export it in binary form."
          : versionHint(path);
      throw new GraftException("No saved_model.pb in " + path + ": this is not a SavedModel folder." + hint);
    }
    byte[] bytes;
    SavedModel model;
    try {
      bytes = Files.readAllBytes(pb);
      model = SavedModel.parseFrom(bytes);
    } catch (InvalidProtocolBufferException e) {
      throw new GraftException(pb + " is not a valid SavedModel protobuf (" + e.getMessage()
          + "). The file may be truncated or not a SavedModel; export it again.", e);
    } catch (AccessDeniedException e) {
      throw new GraftException("Cannot read " + pb + ": permission denied. Make it readable (chmod a+r " + pb
          + ") or run as its owner.", e);
    } catch (IOException | OutOfMemoryError e) {
      throw new GraftException("Cannot read " + pb + ": " + e.getMessage(), e);
    }
    Set<String> available = new TreeSet<>();
    for (MetaGraphDef candidate : model.getMetaGraphsList()) {
      List<String> tags = candidate.getMetaInfoDef().getTagsList();
      available.add(String.join(",", tags));
      if (tags.contains(tag)) {
        checkVariablesPresent(path, candidate);
        return new SavedModelDir(path, candidate, bytes);
      }
    }
    throw new GraftException(LoadedModel.LoadOptions.message("SavedModel " + path + " has no meta graph tagged '" + tag
        + "'; its tag sets are " + available + ". Pass {tag} with one of them."));
  }

  /** Why {@code path} cannot be reached, when a folder above it is not searchable; empty when it simply is absent. */
  private static java.util.Optional<String> unreachable(Path path) {
    for (Path p = path.toAbsolutePath().getParent(); p != null; p = p.getParent()) {
      if (Files.isDirectory(p)) {
        return Files.isExecutable(p) ? java.util.Optional.empty()
            : java.util.Optional.of("Model folder " + path + " cannot be reached: " + p + " is not searchable with this"
                + " account's permissions (permission denied). Make it accessible (chmod a+x " + p + ").");
      }
    }
    return java.util.Optional.empty();
  }

  /**
   * Checks that a graph with variables comes with its {@code variables/} files, readable: without them TensorFlow
   * loads the graph, leaves every variable uninitialized and fails later with a message about containers.
   */
  private static void checkVariablesPresent(Path path, MetaGraphDef meta) {
    boolean hasVariables = meta.hasSaverDef() || meta.getGraphDef().getNodeList().stream()
        .anyMatch(n -> n.getOp().equals("VarHandleOp") || n.getOp().startsWith("Variable"));
    if (!hasVariables) {
      return;
    }
    Path variables = path.resolve("variables");
    Path index = variables.resolve("variables.index");
    if (!Files.isDirectory(variables) || !Files.isRegularFile(index)) {
      throw new GraftException("SavedModel " + path + " has variables but no " + (Files.isDirectory(variables)
          ? "variables/variables.index" : "variables/ folder") + ": its weights are missing. Copy the whole folder "
          + "(saved_model.pb and variables/) again.");
    }
    List<Path> unreadable = new java.util.ArrayList<>();
    if (!Files.isReadable(variables) || !Files.isExecutable(variables)) {
      unreadable.add(variables);
    } else {
      try (var files = Files.list(variables)) {
        files.filter(f -> !Files.isReadable(f)).forEach(unreadable::add);
      } catch (IOException e) {
        unreadable.add(variables);
      }
    }
    if (!unreadable.isEmpty()) {
      throw new GraftException("Cannot read the weights of " + path + ": " + unreadable + " " + (unreadable.size() == 1
          ? "is" : "are") + " not readable with this account's permissions (permission denied). Make them readable "
          + "(chmod -R a+rX " + variables + ") or run as their owner.");
    }
  }

  private static String versionHint(Path path) {
    try (var children = Files.list(path)) {
      List<String> numbered = children.filter(Files::isDirectory).map(p -> p.getFileName().toString())
          .filter(n -> n.matches("\\d+")).sorted().toList();
      if (!numbered.isEmpty()) {
        return " It holds version folders " + numbered + " (a TensorFlow Serving layout): pass "
            + path.resolve(numbered.get(numbered.size() - 1)) + ".";
      }
    } catch (IOException ignored) {
      // fall through to the generic hint
    }
    return " Pass the folder that holds saved_model.pb.";
  }

  /** The folder. */
  public Path path() {
    return path;
  }

  /** The chosen meta graph. */
  public MetaGraphDef metaGraph() {
    return metaGraph;
  }

  /** The raw bytes of {@code saved_model.pb} (for fingerprints). */
  public byte[] savedModelBytes() {
    return savedModelBytes.clone();
  }

  /** The TensorFlow version that wrote the model, or "unknown". */
  public String tfVersion() {
    String version = metaGraph.getMetaInfoDef().getTensorflowVersion();
    return version.isEmpty() ? "unknown" : version;
  }

  /** All signatures except the internal init op, ordered by key. */
  public List<SignatureInfo> signatures() {
    return metaGraph.getSignatureDefMap().entrySet().stream()
        .filter(e -> !e.getKey().startsWith("__"))
        .sorted(Map.Entry.comparingByKey())
        .map(e -> SignatureInfo.of(e.getKey(), e.getValue())).toList();
  }

  /** The signature with this key, or an error listing those there are. */
  public SignatureInfo signature(String key) {
    var def = metaGraph.getSignatureDefMap().get(key);
    if (def == null) {
      List<String> keys = signatures().stream().map(SignatureInfo::key).toList();
      throw new GraftException(LoadedModel.LoadOptions.message("SavedModel " + path + " has no signature '" + key
          + "'; it has " + (keys.isEmpty() ? "none" : keys) + "."
          + (keys.isEmpty() ? " A model without signatures cannot be served or retrained."
              : " Pass {signature} with one of them.")));
    }
    return SignatureInfo.of(key, def);
  }

  /**
   * The op TensorFlow's loader runs after restoring the variables (it fills lookup tables, for one): the
   * {@code __saved_model_init_op} signature's target, or the {@code saved_model_main_op} /
   * {@code legacy_init_op} collection's; empty when the model has none.
   */
  public Optional<String> initOp() {
    SignatureDef init = metaGraph.getSignatureDefMap().get(INIT_OP_SIGNATURE);
    if (init != null && init.getOutputsCount() > 0) {
      return Optional.of(nodeName(init.getOutputsMap().values().iterator().next().getName()));
    }
    for (String key : List.of("saved_model_main_op", "legacy_init_op")) {
      CollectionDef collection = metaGraph.getCollectionDefMap().get(key);
      if (collection != null && collection.getNodeList().getValueCount() > 0) {
        return Optional.of(nodeName(collection.getNodeList().getValue(0)));
      }
    }
    return Optional.empty();
  }

  /** The asset files the init op reads (vocabulary files, say): the tensor the loader feeds, and the file. */
  public Map<String, Path> assetFiles() {
    Map<String, Path> files = new java.util.LinkedHashMap<>();
    for (AssetFileDef asset : metaGraph.getAssetFileDefList()) {
      files.put(asset.getTensorInfo().getName(), path.resolve("assets").resolve(asset.getFilename()));
    }
    return files;
  }

  private static String nodeName(String tensor) {
    String name = tensor.startsWith("^") ? tensor.substring(1) : tensor;
    return name.contains(":") ? name.substring(0, name.indexOf(':')) : name;
  }

  /**
   * Whether each variable (by node name in the meta graph) is trainable, as the object graph (TF2)
   * or the {@code trainable_variables} collection (TF1) says; empty when neither says.
   */
  public Map<String, Boolean> trainableFlags() {
    Map<String, Boolean> flags = new HashMap<>();
    if (metaGraph.hasObjectGraphDef()) {
      Map<String, Boolean> bySharedName = new HashMap<>();
      for (SavedObject object : metaGraph.getObjectGraphDef().getNodesList()) {
        if (object.hasVariable()) {
          bySharedName.merge(object.getVariable().getName(), object.getVariable().getTrainable(), Boolean::logicalOr);
        }
      }
      for (NodeDef node : metaGraph.getGraphDef().getNodeList()) {
        if (node.getOp().equals("VarHandleOp")) {
          String shared = Optional.ofNullable(node.getAttrMap().get("shared_name"))
              .map(a -> a.getS().toStringUtf8()).filter(s -> !s.isEmpty()).orElse(node.getName());
          Boolean trainable = bySharedName.get(shared);
          if (trainable != null) {
            flags.put(node.getName(), trainable);
          }
        }
      }
      return flags;
    }
    CollectionDef trainable = metaGraph.getCollectionDefMap().get("trainable_variables");
    CollectionDef all = metaGraph.getCollectionDefMap().get("variables");
    Set<String> trainableNames = variableNodes(trainable);
    for (String name : variableNodes(all)) {
      flags.put(name, trainableNames.contains(name));
    }
    for (String name : trainableNames) {
      flags.put(name, true);
    }
    return flags;
  }

  private static Set<String> variableNodes(CollectionDef collection) {
    Set<String> names = new HashSet<>();
    if (collection == null) {
      return names;
    }
    for (var bytes : collection.getBytesList().getValueList()) {
      try {
        String name = VariableDef.parseFrom(bytes).getVariableName();
        names.add(name.contains(":") ? name.substring(0, name.indexOf(':')) : name);
      } catch (InvalidProtocolBufferException e) {
        // a collection entry that is not a VariableDef says nothing about trainability
      }
    }
    return names;
  }
}
