package dev.graft.model;

import dev.graft.graph.TensorRef;
import dev.graft.error.GraftException;
import dev.graft.error.SettingException;
import dev.graft.error.SettingMessage;
import dev.graft.graph.ReservedNames;
import dev.graft.graph.internal.FunctionInliner;
import dev.graft.graph.GraphIndex;
import dev.graft.graph.RefVariables;
import dev.graft.graph.VariableIo;
import dev.graft.graph.VariableSnapshot;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.LinkedHashSet;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.function.IntFunction;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;
import org.tensorflow.Graph;
import org.tensorflow.Session;
import org.tensorflow.Tensor;
import org.tensorflow.exceptions.TensorFlowException;
import org.tensorflow.proto.ConfigProto;
import org.tensorflow.proto.DataType;
import org.tensorflow.proto.GPUOptions;
import org.tensorflow.proto.GraphDef;
import org.tensorflow.proto.NodeDef;
import org.tensorflow.proto.TensorShapeProto;
import org.tensorflow.types.TString;

/**
 * A SavedModel loaded by TensorFlow and flattened into one editable graph whose variables hold the
 * restored values.
 *
 * <p>It is the one owner of its graph and session: they are opened by {@link #load} and closed by {@link #close},
 * never swapped in between. {@link #graph()} and {@link #session()} lend them to code that adds ops or runs them
 * while this model is open (nothing but this class closes them); variable values go through {@link
 * #readVariables} and {@link #assignVariables}. A rewrite of the graph ({@link #rebuilt}) is a new model that takes
 * over from this one, which it closes. Every use after {@link #close} fails with a message naming the model.
 *
 * <pre>{@code
 * try (LoadedModel model = LoadedModel.load(Path.of("savedmodels/fashion_cnn"), LoadOptions.defaults())) {
 *   System.out.println(model.variables());
 * }
 * }</pre>
 */
public final class LoadedModel implements AutoCloseable {

  private static final Logger log = LoggerFactory.getLogger(LoadedModel.class);
  /** Intra-op threads of the first session this class opened (-1: none yet); TensorFlow keeps that pool. */
  private static final AtomicInteger FIRST_INTRA_OP_THREADS = new AtomicInteger(-1);

  private static final Set<String> WRITE_OPS = Set.of("AssignVariableOp", "AssignAddVariableOp", "AssignSubVariableOp");
  private static final Set<DataType> FLOAT_TYPES =
      Set.of(DataType.DT_FLOAT, DataType.DT_DOUBLE, DataType.DT_HALF, DataType.DT_BFLOAT16);

  private final SavedModelDir dir;
  private final SignatureInfo signature;
  private final GraphDef flatGraph;
  private final List<VariableInfo> variables;
  private final ConfigProto sessionConfig;
  private final String initOp;
  private final List<String> writtenVariables;
  private final Graph graph;
  private final Session session;
  private final VariableIo variableIo;
  /** Why this model may no longer be used (closed, or taken over by a rebuilt one), or null while it is open. */
  private volatile String closedBecause;

  private LoadedModel(SavedModelDir dir, SignatureInfo signature, GraphDef flatGraph,
      List<VariableInfo> variables, Graph graph, Session session, ConfigProto sessionConfig, String initOp,
      List<String> writtenVariables) {
    this.initOp = initOp;
    this.writtenVariables = List.copyOf(writtenVariables);
    this.dir = dir;
    this.signature = signature;
    this.flatGraph = flatGraph;
    this.variables = variables;
    this.graph = graph;
    this.session = session;
    this.sessionConfig = sessionConfig;
    this.variableIo = new VariableIo(graph, ReservedNames.VARIABLE_IO);
  }

  /**
   * Options for {@link #load}: meta graph tag, signature key and TensorFlow's thread pools.
   *
   * @param tag the meta graph tag
   * @param signature the signature key
   * @param intraOpThreads threads inside one op (0: TensorFlow's choice, one per core). TensorFlow makes one
   *     intra-op pool per process, with the count of the first session opened in it; a later load that asks for
   *     another count logs a warning and runs on that pool
   * @param interOpThreads ops run at once (0: TensorFlow's choice); each session has its own pool
   */
  public record LoadOptions(String tag, String signature, int intraOpThreads, int interOpThreads) {

    public LoadOptions {
      int max = maxThreads();
      if (intraOpThreads < 0 || interOpThreads < 0 || intraOpThreads > max || interOpThreads > max) {
        throw new SettingException(message("{threads} " + intraOpThreads + "," + interOpThreads + ": each count must"
            + " be between 0 (TensorFlow's choice) and " + max + " (" + MAX_THREADS_PER_CORE + " per core on this"
            + " machine's " + Runtime.getRuntime().availableProcessors() + " cores)"));
      }
      long limit = ThreadLimit.spareThreads();
      if ((long) intraOpThreads + interOpThreads > limit) {
        throw new SettingException(message("{threads} " + intraOpThreads + "," + interOpThreads + " asks for "
            + (intraOpThreads + interOpThreads) + " threads, but the process limit (ulimit -u) leaves room for about "
            + limit + " more; pass smaller counts, or 0 for TensorFlow's choice"));
      }
    }

    /**
     * A message that names these options as {@code {tag}}, {@code {signature}} and {@code {threads}} (both counts,
     * as {@link #withThreads} takes them).
     */
    public static SettingMessage message(String template) {
      return SettingMessage.of("LoadedModel.LoadOptions", Map.of("tag", "tag", "signature", "signature", "threads",
          "withThreads"), template);
    }

    /** Threads per core a pool may have at most; more only queue for the same cores. */
    public static final int MAX_THREADS_PER_CORE = 8;

    /** The largest count either thread pool may have on this machine. */
    public static int maxThreads() {
      return Math.max(16, MAX_THREADS_PER_CORE * Runtime.getRuntime().availableProcessors());
    }

    /** The given tag and signature with TensorFlow's thread defaults. */
    public LoadOptions(String tag, String signature) {
      this(tag, signature, 0, 0);
    }

    /** Tag {@code serve}, signature {@code serving_default}. */
    public static LoadOptions defaults() {
      return new LoadOptions("serve", "serving_default");
    }

    /** The same options with these thread counts. */
    public LoadOptions withThreads(int intraOp, int interOp) {
      return new LoadOptions(tag, signature, intraOp, interOp);
    }

    /**
     * The session's settings: the thread counts; ops without a kernel for the device TensorFlow picked (a GPU when
     * it reports one) fall back to the CPU; GPU memory is taken as needed, not all at once.
     */
    ConfigProto sessionConfig() {
      return ConfigProto.newBuilder().setIntraOpParallelismThreads(intraOpThreads)
          .setInterOpParallelismThreads(interOpThreads).setUsePerSessionThreads(true).setAllowSoftPlacement(true)
          .setGpuOptions(GPUOptions.newBuilder().setAllowGrowth(true)).build();
    }
  }

  /**
   * Loads, flattens and restores a SavedModel.
   *
   * @throws GraftException when the folder is no SavedModel, lacks the tag or signature, or TensorFlow cannot load it
   */
  public static LoadedModel load(Path path, LoadOptions options) {
    SavedModelDir dir = SavedModelDir.open(path, options.tag());
    SignatureInfo signature = dir.signature(options.signature());
    Set<String> roots = new LinkedHashSet<>();
    signature.inputs().forEach(t -> roots.add(t.node()));
    signature.outputs().forEach(t -> roots.add(t.node()));
    String initOp = dir.initOp().orElse(null);
    if (initOp != null) {
      roots.add(initOp);
    }
    long start = System.nanoTime();
    GraphDef flat = RefVariables.toResourceVariables(
        FunctionInliner.flatten(dir.metaGraph().getGraphDef(), roots));
    log.debug("Flattened {} into {} nodes in {} ms", path, flat.getNodeCount(), (System.nanoTime() - start) / 1_000_000);
    List<VariableInfo> variables = variablesOf(flat, dir.trainableFlags());
    List<String> written = writtenByForwardPass(flat, initOp);
    if (!written.isEmpty()) {
      log.warn("The forward pass of signature '{}' of {} writes the variables {} (the seed state of random "
          + "augmentation layers such as RandomFlip or RandomRotation, which Keras 3 exports active): its outputs change "
          + "from one call to the next, in the original model as in Graft's training and export. Re-export the Python "
          + "model without its augmentation layers and augment the training data instead (TrainConfig.optAugmentation)",
          signature.key(), path, written);
    }
    Graph graph = new Graph();
    Session session = null;
    try {
      graph.importGraphDef(flat);
      warnIfIntraOpPoolDiffers(options.intraOpThreads());
      session = new Session(graph, options.sessionConfig());
      LoadedModel model = new LoadedModel(dir, signature, flat, variables, graph, session, options.sessionConfig(),
          initOp, written);
      model.restoreFrom();
      model.runInitOp(graph, session);
      return model;
    } catch (RuntimeException e) {
      if (session != null) {
        session.close();
      }
      graph.close();
      throw e;
    }
  }

  /**
   * Runs the model's init op (lookup tables, for one) as TensorFlow's loader does after the restore, feeding
   * the asset files it reads.
   */
  private void runInitOp(Graph target, Session session) {
    if (initOp == null) {
      return;
    }
    Session.Runner runner = session.runner().addTarget(initOp);
    List<TString> paths = new ArrayList<>();
    try {
      for (Map.Entry<String, Path> asset : dir.assetFiles().entrySet()) {
        if (target.operation(TensorRef.parse(asset.getKey()).op()) != null) {
          TString file = TString.scalarOf(asset.getValue().toAbsolutePath().toString());
          paths.add(file);
          runner.feed(asset.getKey(), file);
        }
      }
      runner.run();
    } catch (TensorFlowException e) {
      throw new GraftException("The model's init op '" + initOp + "' (it fills lookup tables such as a "
          + "TextVectorization vocabulary) failed in the flattened graph: "
          + String.valueOf(e.getMessage()).lines().findFirst().orElse("") + ". "
          + (dir.assetFiles().isEmpty() ? "The model records no asset files, so it reads a path of the machine that "
              + "exported it: export the model with its vocabulary as constants, or as an asset (tf.saved_model.Asset)."
              : "Check that the asset files " + dir.assetFiles().values() + " exist, or export the model with its "
              + "vocabulary as constants."), e);
    } finally {
      paths.forEach(TString::close);
    }
  }

  /**
   * The variables that the forward pass itself writes, in graph order: state such as the seed of Keras 3's
   * random augmentation layers, which changes with every call (no weight, and never trained).
   */
  public List<String> writtenVariables() {
    return writtenVariables;
  }

  private static List<String> writtenByForwardPass(GraphDef flat, String initOp) {
    return written(flat, initOp, false);
  }

  /** The variables that the model's init op writes (the asset path a vocabulary table reads, say), in graph order. */
  private static List<String> writtenByInitOp(GraphDef flat, String initOp) {
    return initOp == null ? List.of() : written(flat, initOp, true);
  }

  private static List<String> written(GraphDef flat, String initOp, boolean byInit) {
    GraphIndex index = new GraphIndex(flat);
    Set<String> init = initOp == null ? Set.of() : index.ancestors(List.of(initOp));
    Set<String> written = new LinkedHashSet<>();
    for (NodeDef node : flat.getNodeList()) {
      if (WRITE_OPS.contains(node.getOp()) && init.contains(node.getName()) == byInit) {
        NodeDef target = index.node(TensorRef.opOf(index.skipIdentities(GraphIndex.dataInputs(node).get(0))));
        if (target != null && target.getOp().equals("VarHandleOp")) {
          written.add(target.getName());
        }
      }
    }
    return List.copyOf(written);
  }

  /** The op that fills the model's lookup tables after loading (run again for every new session), or null. */
  public String initOp() {
    return initOp;
  }

  private static void warnIfIntraOpPoolDiffers(int requested) {
    int first = FIRST_INTRA_OP_THREADS.compareAndExchange(-1, requested);
    if (first != -1 && first != requested) {
      log.warn("This process's first TensorFlow session set {} intra-op threads, and TensorFlow keeps that pool for "
          + "every session of the process; the {} asked for now apply only in a new process (0 = TensorFlow's "
          + "choice)", first, requested);
    }
  }

  /**
   * Restores the variables from the checkpoint, as TensorFlow's loader does before it runs the init op; those the
   * init op writes itself get their value from it.
   */
  private void restoreFrom() {
    List<String> byInit = writtenByInitOp(flatGraph, initOp);
    CheckpointVariables.restore(dir, variables.stream().filter(v -> !byInit.contains(v.name())).toList(), session,
        variableIo);
  }

  /**
   * One paragraph on why TensorFlow could not load or restore the SavedModel at {@code path}, naming the likely cause
   * from TensorFlow's message and the way out.
   */
  public static String loadFailure(Path path, Exception e) {
    String message = String.valueOf(e.getMessage()).lines().findFirst().orElse("").trim();
    String lower = message.toLowerCase(java.util.Locale.ROOT);
    String prefix = "TensorFlow " + org.tensorflow.TensorFlow.version() + " could not load the SavedModel at " + path
        + ": " + message + ". ";
    if (lower.contains("permission denied")) {
      return prefix + "A file of the model cannot be read with this account's permissions: make the folder and its "
          + "files readable (chmod -R a+rX " + path + ").";
    }
    if (lower.contains("data loss") || lower.contains("corrupt") || lower.contains("truncat") || lower.contains("crc")
        || lower.contains("checksum") || lower.contains("unexpected eof") || lower.contains("end of file")) {
      return prefix + "The variables files are damaged or cut short: copy the SavedModel folder again.";
    }
    if (lower.contains("not found in checkpoint") || lower.contains("shape mismatch")
        || lower.contains("doesn't match") || lower.contains("does not match") || lower.contains("mismatch")) {
      return prefix + "The variables/ folder does not belong to this saved_model.pb (a variable is missing from it or"
          + " has another shape; it may come from another model or another export of it): copy the whole SavedModel"
          + " folder again.";
    }
    if (lower.contains("container localhost does not exist") || lower.contains("could not find variable")
        || lower.contains("uninitialized") || lower.contains("not initialized")) {
      return prefix + "The variables were not restored: the folder's variables/ files are missing or incomplete. "
          + "Copy the whole SavedModel folder (saved_model.pb and variables/) again.";
    }
    if (lower.contains("op type not registered") || lower.contains("no opkernel")) {
      return prefix + "The model uses an op this TensorFlow runtime does not have (a custom op, or one from a newer "
          + "TensorFlow): re-export it with standard ops, or check it loads with 'saved_model_cli run'.";
    }
    return prefix + "The model uses a part this runtime cannot restore (for example an Estimator's table "
        + "initializers, or ops from a library that is not loaded). Re-export it with tf.saved_model.save from a Keras "
        + "model, or check it loads with 'saved_model_cli run'.";
  }

  private static List<VariableInfo> variablesOf(GraphDef flat, Map<String, Boolean> trainableFlags) {
    List<VariableInfo> variables = new ArrayList<>();
    for (NodeDef node : flat.getNodeList()) {
      if (!node.getOp().equals("VarHandleOp")) {
        continue;
      }
      String name = node.getName();
      long[] shape = node.getAttrMap().get("shape").getShape().getDimList().stream()
          .mapToLong(TensorShapeProto.Dim::getSize).toArray();
      DataType dtype = node.getAttrMap().get("dtype").getType();
      // Only float variables have gradients: an integer one (the seed state of Keras 3's random layers) never trains.
      boolean trainable = FLOAT_TYPES.contains(dtype) && trainableFlags.getOrDefault(name,
          !(name.contains("moving_mean") || name.contains("moving_variance")));
      variables.add(new VariableInfo(name, dtype, shape, trainable, VariableInfo.layerOf(name)));
    }
    return List.copyOf(variables);
  }

  /** The SavedModel folder this came from. */
  public SavedModelDir dir() {
    return dir;
  }

  /** The signature the graph was flattened for. */
  public SignatureInfo signature() {
    return signature;
  }

  /** The flattened graph as loaded (before any head or training op was added). */
  public GraphDef flatGraph() {
    return flatGraph;
  }

  /** Variables of the forward pass, in the order the graph first uses them. */
  public List<VariableInfo> variables() {
    return variables;
  }

  /** Names of the layers that own variables, in forward order. */
  public List<String> layers() {
    return variables.stream().map(VariableInfo::layer).distinct().toList();
  }

  /** The single input of the signature, or an error for multi-input models. */
  public TensorSpec input() {
    if (signature.inputs().size() != 1) {
      throw new GraftException("Signature '" + signature.key() + "' takes " + signature.inputs().size()
          + " inputs " + signature.inputs().stream().map(TensorSpec::key).toList()
          + "; Graft retrains models with exactly one input.");
    }
    return signature.inputs().get(0);
  }

  /**
   * The graph: the flattened model, plus whatever heads and training ops were added to it. Lent for adding and
   * looking up ops while this model is open; this model closes it.
   *
   * @throws IllegalStateException after {@link #close} or {@link #rebuilt}
   */
  public Graph graph() {
    checkOpen();
    return graph;
  }

  /**
   * The session that holds the variables' values. Lent for running ops while this model is open; this model closes
   * it.
   *
   * @throws IllegalStateException after {@link #close} or {@link #rebuilt}
   */
  public Session session() {
    checkOpen();
    return session;
  }

  /** A runner of this model's session. */
  public Session.Runner runner() {
    return session().runner();
  }

  /** The values of {@code names} (variables of this graph) now; the caller closes the snapshot. */
  public VariableSnapshot readVariables(List<String> names) {
    checkOpen();
    return variableIo.read(session, names);
  }

  /** Sets each variable of {@code values} to its value there. */
  public void assignVariables(VariableSnapshot values) {
    checkOpen();
    variableIo.assign(session, values);
  }

  /** Sets variable {@code names.get(i)} to {@code values.apply(i)} (the caller keeps and closes those tensors). */
  public void assignVariables(List<String> names, IntFunction<Tensor> values) {
    checkOpen();
    variableIo.assign(session, names, values);
  }

  /** Whether this model can still be used: not closed, and not taken over by a {@link #rebuilt} one. */
  public boolean isOpen() {
    return closedBecause == null;
  }

  private void checkOpen() {
    String why = closedBecause;
    if (why != null) {
      throw new IllegalStateException("The model loaded from " + dir.path() + " " + why + ": its graph and session "
          + "are closed. Use the model that replaced it, or load the model again.");
    }
  }

  /**
   * A new model whose graph is {@code rewritten} (a rewrite of {@link #flatGraph()}, for example with batch
   * normalization in training mode), in a new session holding this model's variable values; it takes over from this
   * one, which is closed when it returns (ops added to this graph, a head or training ops, are not carried over).
   *
   * @throws IllegalStateException when this model is closed already
   */
  public LoadedModel rebuilt(GraphDef rewritten) {
    checkOpen();
    List<String> names = variables.stream().map(VariableInfo::name).toList();
    Graph newGraph = new Graph();
    Session newSession = null;
    try {
      newGraph.importGraphDef(rewritten);
      newSession = new Session(newGraph, sessionConfig);
      LoadedModel next = new LoadedModel(dir, signature, flatGraph, variables, newGraph, newSession, sessionConfig,
          initOp, writtenVariables);
      try (VariableSnapshot values = readVariables(names)) {
        next.assignVariables(values);
      }
      next.runInitOp(newGraph, newSession);
      closeHandles("was rebuilt into a new graph (LoadedModel.rebuilt)");
      return next;
    } catch (RuntimeException e) {
      if (newSession != null) {
        newSession.close();
      }
      newGraph.close();
      throw e;
    }
  }

  /** Closes the graph and session; a second call does nothing. */
  @Override
  public void close() {
    closeHandles("was closed");
  }

  private synchronized void closeHandles(String why) {
    if (closedBecause != null) {
      return;
    }
    closedBecause = why;
    session.close();
    graph.close();
  }
}
