package dev.graft.graph;

import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Set;
import org.tensorflow.proto.AttrValue;
import org.tensorflow.proto.DataType;
import org.tensorflow.proto.GraphDef;
import org.tensorflow.proto.NodeDef;
import org.tensorflow.proto.TensorProto;
import org.tensorflow.proto.TensorShapeProto;

/**
 * Lets chosen batch-normalization layers train: each inference-mode {@code FusedBatchNormV3} whose
 * scale is trained gets a training-mode twin that normalizes with batch statistics and yields the
 * updated moving statistics; a {@code SelectV2} on a boolean flag picks the twin while training and
 * the original (moving statistics) otherwise, so validation and export stay in inference mode.
 *
 * @param graph the rewritten graph
 * @param trainingFlag the boolean placeholder (default false) to feed true in training steps
 * @param updates for each trained scale variable, the ops that assign its layer's new moving statistics
 * @param statistics the moving-statistics variables those ops write
 */
public record BatchNormTraining(GraphDef graph, String trainingFlag, Map<String, List<String>> updates,
    List<String> statistics) {

  /** Name of the flag fed true while training. */
  public static final String FLAG = ReservedNames.BATCH_NORM_FLAG;

  /**
   * Rewrites every {@code FusedBatchNormV3} whose scale variable is in {@code trained}.
   *
   * @param momentum the moving averages' momentum (Keras' default is 0.99)
   */
  public static BatchNormTraining rewrite(GraphDef flat, Set<String> trained, float momentum) {
    if (!(momentum >= 0 && momentum < 1)) {
      throw new IllegalArgumentException("Batch-norm momentum must be in [0, 1), got " + momentum);
    }
    GraphIndex index = new GraphIndex(flat);
    Map<String, String> rewired = new LinkedHashMap<>();
    List<NodeDef> added = new ArrayList<>();
    Map<String, List<String>> updates = new LinkedHashMap<>();
    List<String> statistics = new ArrayList<>();
    for (NodeDef node : flat.getNodeList()) {
      if (!node.getOp().equals("FusedBatchNormV3")) {
        continue;
      }
      List<String> inputs = GraphIndex.dataInputs(node);
      String scale = index.variableRead(inputs.get(1));
      String mean = index.variableRead(inputs.get(3));
      String variance = index.variableRead(inputs.get(4));
      if (scale == null || mean == null || variance == null || !trained.contains(scale)) {
        continue;
      }
      String name = node.getName();
      String twin = name + ReservedNames.BATCH_NORM_TWIN_SUFFIX;
      added.add(node.toBuilder().setName(twin)
          .putAttr("is_training", AttrValue.newBuilder().setB(true).build())
          .putAttr("exponential_avg_factor", AttrValue.newBuilder().setF(1 - momentum).build()).build());
      String select = name + ReservedNames.BATCH_NORM_SELECT_SUFFIX;
      added.add(NodeDef.newBuilder().setName(select).setOp("SelectV2").addInput(FLAG).addInput(twin + ":0")
          .addInput(name + ":0").putAttr("T", node.getAttrMap().get("T")).build());
      rewired.put(name, select);
      AttrValue statType = node.getAttrMap().get("U");
      List<String> ops = List.of(name + ReservedNames.BATCH_NORM_MEAN_SUFFIX,
          name + ReservedNames.BATCH_NORM_VARIANCE_SUFFIX);
      added.add(assign(ops.get(0), mean, twin + ":1", statType));
      added.add(assign(ops.get(1), variance, twin + ":2", statType));
      updates.put(scale, ops);
      statistics.add(mean);
      statistics.add(variance);
    }
    if (rewired.isEmpty()) {
      return new BatchNormTraining(flat, null, Map.of(), List.of());
    }
    GraphDef.Builder out = flat.toBuilder().clearNode();
    for (NodeDef node : flat.getNodeList()) {
      NodeDef.Builder copy = node.toBuilder().clearInput();
      for (String input : node.getInputList()) {
        String source = TensorRef.opOf(input);
        boolean firstOutput = !input.startsWith("^") && TensorRef.parse(input).index() == 0;
        copy.addInput(firstOutput && rewired.containsKey(source) ? rewired.get(source) + ":0" : input);
      }
      out.addNode(copy);
    }
    out.addNode(NodeDef.newBuilder().setName(ReservedNames.BATCH_NORM + "/false").setOp("Const")
        .putAttr("dtype", AttrValue.newBuilder().setType(DataType.DT_BOOL).build())
        .putAttr("value", AttrValue.newBuilder().setTensor(TensorProto.newBuilder().setDtype(DataType.DT_BOOL)
            .setTensorShape(TensorShapeProto.getDefaultInstance()).addBoolVal(false)).build()));
    out.addNode(NodeDef.newBuilder().setName(FLAG).setOp("PlaceholderWithDefault").addInput(ReservedNames.BATCH_NORM + "/false")
        .putAttr("dtype", AttrValue.newBuilder().setType(DataType.DT_BOOL).build())
        .putAttr("shape", AttrValue.newBuilder().setShape(TensorShapeProto.getDefaultInstance()).build()));
    out.addAllNode(added);
    return new BatchNormTraining(out.build(), FLAG, updates, statistics);
  }

  private static NodeDef assign(String name, String variable, String value, AttrValue dtype) {
    return NodeDef.newBuilder().setName(name).setOp("AssignVariableOp").addInput(variable).addInput(value)
        .putAttr("dtype", dtype).build();
  }
}
