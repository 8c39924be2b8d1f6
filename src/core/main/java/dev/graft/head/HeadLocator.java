package dev.graft.head;

import dev.graft.graph.TensorRef;
import dev.graft.graph.GraphIndex;
import dev.graft.graph.CutPoint;
import dev.graft.graph.LayerMap;
import dev.graft.graph.Pooling;

import dev.graft.error.GraftException;
import dev.graft.error.SettingMessage;
import dev.graft.graph.ReservedNames;
import dev.graft.model.SignatureInfo;
import dev.graft.model.TensorSpec;
import java.util.ArrayList;
import java.util.LinkedHashSet;
import java.util.List;
import java.util.Map;
import java.util.Set;
import org.tensorflow.Graph;
import org.tensorflow.GraphOperation;
import org.tensorflow.ndarray.Shape;
import org.tensorflow.proto.DataType;
import org.tensorflow.proto.NodeDef;

/**
 * Finds the classifier head of a flattened model: the logits behind the final Softmax/Sigmoid (or the raw logits
 * output), the classifier layer that makes them, and the feature tensor a new head reads.
 *
 * <p>The classifier layer is a dense layer (with or without bias, behind dropout or not) or a 1x1 convolution over
 * a pooled map, with the reshapes or squeezes Keras puts around it (Keras Applications' own top). When the
 * classifier sits in a nested model of dense layers only (Teachable Machine's two-layer head), that whole nested
 * model is the old head and the cut is at its input.
 *
 * <pre>{@code
 * try (LoadedModel model = LoadedModel.load(dir, new LoadedModel.LoadOptions("serve", "serving_default"))) {
 *   GraphIndex index = new GraphIndex(model.flatGraph());
 *   CutPoint cut = HeadLocator.locate(index, model.graph(), model.signature(), CutChoice.none());
 *   System.out.println(cut.describe() + ", " + cut.featureSize() + " features; old head: " + cut.oldHeadVariables());
 * }
 * }</pre>
 */
public final class HeadLocator {


  private final GraphIndex index;
  private final Graph graph;
  private final SignatureInfo signature;
  private final Pooling pooling;
  private LayerMap layers;

  private HeadLocator(GraphIndex index, Graph graph, SignatureInfo signature, Pooling pooling) {
    this.index = index;
    this.graph = graph;
    this.signature = signature;
    this.pooling = pooling;
  }

  /**
   * Locates the head; a feature map at the cut is average-pooled.
   *
   * @throws GraftException when the model has no classifier head Graft can swap, listing candidates
   */
  public static CutPoint locate(GraphIndex index, Graph graph, SignatureInfo signature, CutChoice override) {
    return locate(index, graph, signature, override, Pooling.AVG);
  }

  /**
   * Locates the head; a feature map at the cut is pooled with {@code pooling}.
   *
   * @throws GraftException when the model has no classifier head Graft can swap, listing candidates
   */
  public static CutPoint locate(GraphIndex index, Graph graph, SignatureInfo signature, CutChoice override,
      Pooling pooling) {
    return new HeadLocator(index, graph, signature, pooling).locate(override);
  }

  /**
   * The cut {@code located} moved to {@code tensor} (a candidate the cut search chose): the old head stays what was
   * located; the variables only the old head reads are those past the new cut.
   */
  public static CutPoint recut(GraphIndex index, Graph graph, SignatureInfo signature, CutPoint located,
      String tensor) {
    HeadLocator locator = new HeadLocator(index, graph, signature, located.pooling());
    Shape shape = graph.outputOrThrow(tensor).shape();
    LayerMap.Layer layer = locator.layerMap().producing(tensor);
    return new CutPoint(tensor, located.pooling().featureSize(shape), located.logits(), located.numClasses(),
        located.activation(), located.oldOutput(), locator.oldHeadVariables(tensor, located.oldOutput()),
        layer == null ? null : layer.name(), located.pooling());
  }

  /**
   * The named layers of the model, parameterless ones included, input to output (empty when its ops carry no layer
   * names).
   */
  public static LayerMap layers(GraphIndex index, SignatureInfo signature) {
    List<String> variableLayers = new ArrayList<>();
    for (String name : index.order()) {
      if (index.node(name).getOp().equals("VarHandleOp") && name.contains("/")) {
        variableLayers.add(name.substring(0, name.lastIndexOf('/')));
      }
    }
    if (signature.inputs().isEmpty() || signature.outputs().isEmpty()) {
      return LayerMap.of(index, List.of(), "", "");
    }
    TensorSpec output = signature.outputs().stream().filter(t -> t.dtype() == DataType.DT_FLOAT).findFirst()
        .orElse(signature.outputs().get(0));
    return LayerMap.of(index, variableLayers, signature.inputs().get(0).tensor(), output.tensor());
  }

  private LayerMap layerMap() {
    if (layers == null) {
      layers = layers(index, signature);
    }
    return layers;
  }

  private CutPoint locate(CutChoice override) {
    TensorSpec output = classifierOutput();
    String produced = index.skipIdentities(output.tensor());
    NodeDef producer = index.node(TensorRef.opOf(produced));
    CutPoint.Activation activation = CutPoint.Activation.ofOp(producer.getOp());
    String logits = activation == CutPoint.Activation.NONE ? produced : GraphIndex.dataInputs(producer).get(0);
    ClassifierLayer classifier = ClassifierLayer.behind(index, graph, logits);
    if (override.cutAt() != null) {
      return cutAt(resolveCutAt(override.cutAt()), output, classifier == null ? null : logits, activation, classifier);
    }
    if (override.cutLayer() != null) {
      return cutAt(layerOutput(override.cutLayer()), output, null, activation, classifier);
    }
    if (classifier == null) {
      NodeDef logitsNode = index.node(TensorRef.opOf(index.skipIdentities(logits)));
      throw failure("No classifier layer (dense, or 1x1 convolution over pooled features) found behind "
          + "output '" + output.key() + "' of signature '" + signature.key() + "': its logits come from op '"
          + logitsNode.getName() + "' (" + logitsNode.getOp() + "). Pass {cutLayer} <name> or {cutAt} "
          + "<op>[:index] to choose the feature tensor; layers nearest the output: " + candidates(), null);
    }
    String features = classifier.oldHeadInput(index, layerMap());
    return cutAt(features, output, logits, activation, classifier);
  }

  private TensorSpec classifierOutput() {
    List<TensorSpec> floats = signature.outputs().stream().filter(t -> t.dtype() == DataType.DT_FLOAT).toList();
    if (floats.isEmpty()) {
      throw new GraftException("Signature '" + signature.key() + "' has no float output, so no classifier head: "
          + signature.outputs() + ". Graft retrains classifiers whose output is float [N, classes].");
    }
    TensorSpec chosen = floats.size() == 1 ? floats.get(0) : floats.stream()
        .filter(t -> List.of("probabilities", "scores", "predictions", "logits").contains(t.key()))
        .findFirst().orElse(floats.get(0));
    int rank = chosen.rank() >= 0 ? chosen.rank() : graphRank(chosen.tensor());
    if (rank != 2) {
      String what = rank > 2 ? "a per-token head of shape " + chosen.shapeString()
          + " (one prediction per position, as sequence taggers have)" : "a tensor of rank " + rank
          + (rank < 0 ? " (unknown)" : "") + " " + chosen.shapeString();
      throw failure("Signature '" + signature.key() + "' output '" + chosen.key() + "' is " + what
          + ", not a per-example classifier output [N, classes]; Graft swaps only such heads. "
          + "Candidates for {cutAt}: " + candidates(), null);
    }
    return chosen;
  }

  private int graphRank(String tensor) {
    TensorRef ref = TensorRef.parse(tensor);
    GraphOperation op = graph.operation(ref.op());
    return op == null ? -1 : op.output(ref.index()).shape().numDimensions();
  }

  private CutPoint cutAt(String features, TensorSpec output, String logits, CutPoint.Activation activation,
      ClassifierLayer classifier) {
    Shape shape = TensorRef.parse(features).in(graph).shape();
    long size;
    try {
      size = pooling.featureSize(shape);
    } catch (IllegalArgumentException e) {
      throw new GraftException("Cut tensor '" + features + "' cannot feed a head: " + e.getMessage(), e);
    }
    LayerMap.Layer layer = layerMap().producing(features);
    return new CutPoint(features, size, logits, classifier == null ? 0 : (int) classifier.numClasses(), activation,
        output.tensor(), oldHeadVariables(features, output.tensor()), layer == null ? null : layer.name(), pooling);
  }

  private String resolveCutAt(String cutAt) {
    TensorRef ref;
    try {
      ref = TensorRef.parse(cutAt);
    } catch (IllegalArgumentException e) {
      throw failure("{cutAt}: " + e.getMessage() + ". Candidates: " + candidates() + ".", e);
    }
    String name = ref.op();
    GraphOperation op = graph.operation(name);
    if (op == null || index.node(name) == null) {
      throw failure("{cutAt} names op '" + name + "', which the flattened graph lacks. Candidates: "
          + candidates() + " (see 'graft inspect' for every layer).", null);
    }
    int output = ref.index();
    if (output >= op.numOutputs()) {
      throw failure("{cutAt} " + cutAt + ": op '" + name + "' has " + op.numOutputs() + " outputs", null);
    }
    return ref.toString();
  }

  private String layerOutput(String layer) {
    LayerMap.Layer found = layerMap().find(layer);
    if (found != null) {
      return found.output();
    }
    String output = layerOutput(index, layer);
    if (output == null) {
      throw failure("{cutLayer} '" + layer + "' names no layer of the model; layers: " + layerNames(), null);
    }
    return output;
  }

  /**
   * The tensor a layer hands to the rest of the model, found by the layer's name in op names: the last op under
   * the name that an op outside the layer reads; null when no op carries the name.
   */
  public static String layerOutput(GraphIndex index, String layer) {
    String last = null;
    for (String name : index.order()) {
      if (!inLayer(name, layer)) {
        continue;
      }
      for (NodeDef consumer : index.consumers(name)) {
        if (!inLayer(consumer.getName(), layer) && !ReservedNames.isReserved(consumer.getName())) {
          for (String input : GraphIndex.dataInputs(consumer)) {
            if (TensorRef.opOf(input).equals(name) && !index.node(name).getOp().equals("VarHandleOp")) {
              last = TensorRef.canonical(input);
            }
          }
        }
      }
    }
    return last;
  }

  private static boolean inLayer(String node, String layer) {
    return node.equals(layer) || node.startsWith(layer + "/") || node.contains("/" + layer + "/");
  }

  private List<String> layerNames() {
    if (!layerMap().layers().isEmpty()) {
      return layerMap().layers().stream().map(LayerMap.Layer::name).toList();
    }
    Set<String> names = new LinkedHashSet<>();
    for (String name : index.order()) {
      if (index.node(name).getOp().equals("VarHandleOp")) {
        names.add(name.contains("/") ? name.substring(0, name.lastIndexOf('/')) : name);
      }
    }
    return new ArrayList<>(names);
  }

  /** The layers nearest the output with their output shapes, or (for graphs without layer names) likely ops. */
  private List<String> candidates() {
    List<String> found = new ArrayList<>();
    List<LayerMap.Layer> all = layerMap().layers();
    for (int i = all.size() - 1; i >= 0 && found.size() < 8; i--) {
      LayerMap.Layer layer = all.get(i);
      found.add(layer.name() + " " + graph.outputOrThrow(layer.output()).shape().toString().replace(" ", ""));
    }
    List<String> order = index.order();
    boolean layered = !found.isEmpty();
    for (int i = order.size() - 1; i >= 0 && !layered && found.size() < 8; i--) {
      NodeDef node = index.node(order.get(i));
      if (Set.of("MatMul", "Mean", "AvgPool", "MaxPool", "Reshape", "Relu").contains(node.getOp())) {
        found.add(node.getName() + " (" + node.getOp() + ")");
      }
    }
    return found;
  }

  private List<String> oldHeadVariables(String features, String output) {
    Set<String> backbone = index.ancestors(List.of(features));
    List<String> old = new ArrayList<>();
    for (String name : index.ancestors(List.of(output))) {
      NodeDef node = index.node(name);
      if (node.getOp().equals("VarHandleOp") && !backbone.contains(name)) {
        old.add(name);
      }
    }
    return old;
  }

  /** A failure whose way out is choosing the cut: {@code {cutAt}} and {@code {cutLayer}} name {@link CutChoice}'s. */
  private static GraftException failure(String template, Throwable cause) {
    return new GraftException(SettingMessage.of(Map.of("cutAt", "CutChoice.op", "cutLayer", "CutChoice.layer"),
        template), cause);
  }
}
