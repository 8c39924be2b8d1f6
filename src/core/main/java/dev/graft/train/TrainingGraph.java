package dev.graft.train;

import dev.graft.graph.ReservedNames;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Set;
import org.tensorflow.Graph;
import org.tensorflow.GraphOperation;
import org.tensorflow.Operand;
import org.tensorflow.Output;
import org.tensorflow.ndarray.Shape;
import org.tensorflow.op.Op;
import org.tensorflow.op.Ops;
import org.tensorflow.op.core.Placeholder;
import org.tensorflow.op.core.VarHandleOp;
import org.tensorflow.op.train.ResourceApplyMomentum;
import org.tensorflow.types.TFloat32;
import org.tensorflow.types.TInt32;

/**
 * The loss, gradients and optimizer updates added to a model's graph, built only for the variables
 * that may train during the run; frozen variables get neither gradients nor update ops.
 *
 * <p>Learning rates and Adam's bias corrections are fed at each step, so schedules live in Java and a
 * resumed run needs no optimizer state beyond the slot variables.
 */
final class TrainingGraph {

  static final String SCOPE = ReservedNames.TRAIN;

  final String labels;
  final String loss;
  final String lrHead;
  final String lrBackbone;
  final String beta1Power;
  final String beta2Power;
  final String initSlots;
  final List<String> slotVariables = new ArrayList<>();
  private final Map<String, Op> updates = new LinkedHashMap<>();
  private final Map<Set<String>, String> stepTargets = new LinkedHashMap<>();
  private final Ops tf;
  private final Graph graph;

  /**
   * Builds the ops.
   *
   * @param logits the head's logits tensor
   * @param reads for each variable that may train, the ReadVariableOp outputs through which the loss depends on it
   * @param headVariables the variables of the new head (they use the head learning rate)
   */
  TrainingGraph(Graph graph, String logits, int numClasses, Map<String, List<String>> reads, Set<String> headVariables,
      OptimizerSpec optimizer, float labelSmoothing, float[] classWeights) {
    this.graph = graph;
    tf = Ops.create(graph).withSubScope(SCOPE);
    Operand<TInt32> labelInput = tf.withName("labels").placeholder(TInt32.class, Placeholder.shape(Shape.of(-1)));
    labels = labelInput.asOutput().op().name();
    float on = 1 - labelSmoothing + labelSmoothing / numClasses;
    float off = labelSmoothing / numClasses;
    Operand<TFloat32> onehot = tf.oneHot(labelInput, tf.constant(numClasses), tf.constant(on), tf.constant(off));
    Output<TFloat32> logitsOut = graph.outputOrThrow(logits).expect(TFloat32.class);
    Operand<TFloat32> perExample = tf.nn.softmaxCrossEntropyWithLogits(logitsOut, onehot).loss();
    if (classWeights != null) {
      perExample = tf.math.mul(perExample, tf.gather(tf.constant(classWeights), labelInput, tf.constant(0)));
    }
    Operand<TFloat32> lossOp = tf.withName("loss").math.mean(perExample, tf.constant(0));
    loss = lossOp.asOutput().op().name();
    lrHead = scalar("lr_head");
    lrBackbone = scalar("lr_backbone");
    beta1Power = scalar("beta1_power");
    beta2Power = scalar("beta2_power");

    List<String> variables = new ArrayList<>(reads.keySet());
    List<Output<?>> xs = new ArrayList<>();
    for (String v : variables) {
      reads.get(v).forEach(r -> xs.add(graph.outputOrThrow(r)));
    }
    MissingGradients.register();
    Output<?>[] grads = xs.isEmpty() ? new Output<?>[0]
        : graph.addGradients(SCOPE + "/gradients", new Output<?>[] {lossOp.asOutput()}, xs.toArray(new Output<?>[0]), null);
    LeanBackward.apply(graph, SCOPE + "/gradients");
    List<Op> slotInits = new ArrayList<>();
    int g = 0;
    for (int i = 0; i < variables.size(); i++) {
      String name = variables.get(i);
      List<Operand<TFloat32>> parts = new ArrayList<>();
      for (int r = 0; r < reads.get(name).size(); r++) {
        parts.add(grads[g++].expect(TFloat32.class));
      }
      Operand<TFloat32> grad = parts.size() == 1 ? parts.get(0) : tf.math.addN(parts);
      String lr = headVariables.contains(name) ? lrHead : lrBackbone;
      updates.put(name, update(graph, name, i, grad, graph.outputOrThrow(lr).expect(TFloat32.class), optimizer, slotInits));
    }
    initSlots = tf.withName("init_slots").withControlDependencies(slotInits).noOp().op().name();
  }

  private String scalar(String name) {
    return tf.withName(name).placeholder(TFloat32.class, Placeholder.shape(Shape.scalar())).asOutput().op().name();
  }

  private Op update(Graph graph, String variable, int index, Operand<TFloat32> grad, Operand<TFloat32> lr,
      OptimizerSpec spec, List<Op> slotInits) {
    GraphOperation var = graph.operationOrThrow(variable);
    Shape shape = var.attributes().getAttrShape("shape");
    // Every variable's update in the one training scope, its ops named by the variable's index: a sub-scope per
    // variable would make TensorFlow Java scan every op name of the graph once per variable (about 480 MB of garbage
    // on MobileNet v1).
    String prefix = "update_" + index;
    if (spec instanceof OptimizerSpec.Sgd) {
      return tf.withName(prefix).train.resourceApplyGradientDescent(var.output(0), lr, grad);
    }
    if (spec instanceof OptimizerSpec.Momentum momentum) {
      VarHandleOp accum = slot(prefix + "_momentum", shape, slotInits);
      return tf.withName(prefix).train.resourceApplyMomentum(var.output(0), accum, lr, grad,
          tf.constant(momentum.momentum()), ResourceApplyMomentum.useNesterov(momentum.nesterov()));
    }
    OptimizerSpec.Adam adam = spec.moments().orElseThrow(() -> new IllegalStateException("Unhandled optimizer " + spec));
    VarHandleOp m = slot(prefix + "_m", shape, slotInits);
    VarHandleOp v = slot(prefix + "_v", shape, slotInits);
    Ops apply = tf;
    if (spec instanceof OptimizerSpec.AdamW adamW && adamW.weightDecay() > 0) {
      // the decay waits for the gradient, so the step's forward pass reads the weights before they decay
      Ops afterGradient = tf.withControlDependencies(List.of(grad));
      Operand<TFloat32> current = afterGradient.readVariableOp(var.output(0), TFloat32.class);
      Operand<TFloat32> decay = tf.math.mul(current, tf.math.mul(lr, tf.constant(adamW.weightDecay())));
      apply = tf.withControlDependencies(List.of(tf.assignSubVariableOp(var.output(0), decay)));
    }
    return apply.withName(prefix).train.resourceApplyAdam(var.output(0), m, v,
        graph.outputOrThrow(beta1Power).expect(TFloat32.class), graph.outputOrThrow(beta2Power).expect(TFloat32.class),
        lr, tf.constant(adam.beta1()), tf.constant(adam.beta2()), tf.constant(adam.epsilon()), grad);
  }

  private VarHandleOp slot(String name, Shape shape, List<Op> inits) {
    VarHandleOp slot = tf.withName(name).varHandleOp(TFloat32.class, shape, VarHandleOp.sharedName(SCOPE + "/" + name));
    slotVariables.add(slot.op().name());
    // fill, not zeros: Ops.zeros opens a sub-scope, which scans the whole graph
    inits.add(tf.assignVariableOp(slot, tf.fill(tf.constant(shape), tf.constant(0f))));
    return slot;
  }

  /** The op that runs one update of exactly {@code variables} (created once per set). */
  String stepTarget(Set<String> variables, Map<String, List<String>> stateUpdates) {
    return stepTargets.computeIfAbsent(Set.copyOf(variables), vs -> {
      List<Op> ops = new ArrayList<>();
      for (String v : variables) {
        Op op = updates.get(v);
        if (op == null) {
          throw new IllegalArgumentException("No update op for variable '" + v + "'");
        }
        ops.add(op);
        for (String extra : stateUpdates.getOrDefault(v, List.of())) {
          ops.add(new GraphOp(graph.operationOrThrow(extra)));
        }
      }
      return tf.withName("step_" + stepTargets.size()).withControlDependencies(ops).noOp().op().name();
    });
  }

  /** An existing graph op used as a control dependency. */
  private record GraphOp(org.tensorflow.Operation op) implements Op {
    @Override
    public org.tensorflow.Operation op() {
      return op;
    }

    @Override
    public org.tensorflow.ExecutionEnvironment env() {
      return op.env();
    }
  }
}
