package dev.graft.tools;

import java.util.List;
import java.util.function.Function;
import org.tensorflow.Graph;
import org.tensorflow.Operand;
import org.tensorflow.op.Op;
import org.tensorflow.op.Ops;
import org.tensorflow.proto.DataType;
import org.tensorflow.types.TFloat32;

/**
 * What a {@link Layer} sees while it adds its ops: a name scope, its variables and whether it trains.
 *
 * <p>Variables are reached by name. Over resource variables each read is a {@code ReadVariableOp}
 * named as Keras names it ({@code <layer>/Conv2D/ReadVariableOp}), so a layer's function body reads
 * like one Python wrote; over TF1 variables a read is the variable's {@code <name>/read} snapshot.
 */
final class LayerContext {

  private final Graph graph;
  private final Ops ops;
  private final String prefix;
  private final Reads reads;
  private final boolean training;
  private final List<Op> updates;

  /** How a context turns a variable name into the tensor a layer computes with. */
  interface Reads {
    /** The value of {@code variable}, read by an op that may be named {@code opName}. */
    Operand<TFloat32> read(String variable, String opName);

    /** The resource handle of {@code variable}, for updates; refused where variables are not resources. */
    Operand<?> handle(String variable);
  }

  LayerContext(Graph graph, Ops ops, String prefix, Reads reads, boolean training, List<Op> updates) {
    this.graph = graph;
    this.ops = ops;
    this.prefix = prefix;
    this.reads = reads;
    this.training = training;
    this.updates = updates;
  }

  /** Reads of resource variables through {@code ReadVariableOp}s; {@code handles} maps names to handles. */
  static Reads resourceReads(Graph graph, Function<String, Operand<?>> handles, List<ReadRecord> record) {
    return new Reads() {
      @Override
      public Operand<TFloat32> read(String variable, String opName) {
        String name = opName;
        for (int i = 1; graph.operation(name) != null; i++) {
          name = opName + "_" + i;
        }
        Operand<TFloat32> value = graph.opBuilder("ReadVariableOp", name, graph.baseScope())
            .addInput(handles.apply(variable).asOutput()).setAttr("dtype", DataType.DT_FLOAT).build().output(0);
        record.add(new ReadRecord(variable, name, value));
        return value;
      }

      @Override
      public Operand<?> handle(String variable) {
        return handles.apply(variable);
      }
    };
  }

  /**
   * One read of a variable: the op that reads it and its value.
   *
   * @param variable the variable's name
   * @param opName the {@code ReadVariableOp}'s name
   * @param value its output
   */
  record ReadRecord(String variable, String opName, Operand<TFloat32> value) {}

  /** The ops of this layer, under its name scope. */
  Ops ops() {
    return ops;
  }

  /** Whether the layer computes its training-time form (batch statistics, logits without softmax). */
  boolean training() {
    return training;
  }

  /**
   * The value of a variable, read for the op {@code consumer} of this layer ({@code "Conv2D"}), or
   * for the layer as a whole when {@code consumer} is empty.
   */
  Operand<TFloat32> read(String variable, String consumer) {
    String op = consumer.isEmpty() ? "ReadVariableOp" : consumer + "/ReadVariableOp";
    return reads.read(variable, prefix + "/" + op);
  }

  /** Assigns {@code value} to a variable when the training step runs (batch-norm moving statistics). */
  void update(String variable, Operand<TFloat32> value) {
    if (!training) {
      throw new IllegalStateException("Variable '" + variable + "' can only be updated while training");
    }
    updates.add(ops.assignVariableOp(reads.handle(variable), value));
  }
}
