package dev.graft.graph.internal;

import java.lang.reflect.Field;
import java.util.Optional;
import org.bytedeco.javacpp.PointerScope;
import org.tensorflow.Graph;
import org.tensorflow.GraphOperation;
import org.tensorflow.Output;
import org.tensorflow.internal.c_api.TF_Graph;
import org.tensorflow.internal.c_api.TF_Input;
import org.tensorflow.internal.c_api.TF_Output;
import org.tensorflow.internal.c_api.TF_Status;
import org.tensorflow.internal.c_api.global.tensorflow;

/**
 * Moves an input edge of an op of a live {@link Graph} to another tensor of the same type and a compatible shape,
 * with TensorFlow's {@code TF_UpdateEdge}. The type and shape are checked here first: {@code TF_UpdateEdge} takes an
 * {@code int32} tensor into a {@code float} input without a word ({@code LeanBackwardTest}).
 *
 * <p>TensorFlow Java keeps the graph's native handle private, so this reads it by reflection. That works wherever
 * TensorFlow Java is on the class path (Graft's jars, its tests, Spark) and is refused on the module path unless the
 * application opens the package ({@code --add-opens tensorflow/org.tensorflow=dev.graft}); {@link #of} then returns
 * empty and callers go on without the edit.
 *
 * <p>Only edges of ops that no session has run yet may move: TensorFlow records a change to an op a session has
 * already run and fails that session's next run.
 */
public final class GraphEdges {

  private static final Field HANDLE = handleField();

  private final Graph graph;
  private final TF_Graph handle;

  private GraphEdges(Graph graph, TF_Graph handle) {
    this.graph = graph;
    this.handle = handle;
  }

  /** An editor of {@code graph}'s edges, or empty where TensorFlow Java's graph handle cannot be reached. */
  public static Optional<GraphEdges> of(Graph graph) {
    if (HANDLE == null) {
      return Optional.empty();
    }
    try {
      TF_Graph handle = (TF_Graph) HANDLE.get(graph);
      if (handle == null || handle.isNull()) {
        throw new IllegalStateException("The graph is closed");
      }
      return Optional.of(new GraphEdges(graph, handle));
    } catch (IllegalAccessException e) {
      return Optional.empty();
    }
  }

  /** Why {@link #of} returns empty in this JVM, or null when it does not. */
  public static String unavailableReason() {
    return HANDLE == null ? "TensorFlow Java's Graph.nativeHandle cannot be read here (on the module path, a JVM "
        + "that opens package org.tensorflow of module tensorflow to dev.graft allows it)" : null;
  }

  /**
   * Makes input {@code index} of {@code consumer} read {@code source} instead of what it reads now.
   *
   * @throws IllegalArgumentException when {@code source} has another type or an incompatible shape, or TensorFlow
   *     refuses the edit
   */
  public void update(Output<?> source, GraphOperation consumer, int index) {
    if (source.env() != graph || consumer.env() != graph) {
      throw new IllegalArgumentException("Both ops must belong to this graph: " + source + " -> " + consumer.name());
    }
    if (index < 0 || index >= consumer.numInputs()) {
      throw new IllegalArgumentException(consumer.name() + " has " + consumer.numInputs() + " inputs, not " + index);
    }
    Output<?> current = consumer.input(index);
    if (source.dataType() != current.dataType()) {
      throw new IllegalArgumentException("Input " + index + " of " + consumer.name() + " is " + current.dataType()
          + "; " + source + " is " + source.dataType());
    }
    if (!source.shape().isCompatibleWith(current.shape())) {
      throw new IllegalArgumentException("Input " + index + " of " + consumer.name() + " has shape " + current.shape()
          + "; " + source + " has " + source.shape());
    }
    GraphOperation producer = (GraphOperation) source.op();
    try (PointerScope scope = new PointerScope()) {
      TF_Output from = new TF_Output().oper(producer.getUnsafeNativeHandle()).index(source.index());
      TF_Input to = new TF_Input().oper(consumer.getUnsafeNativeHandle()).index(index);
      TF_Status status = TF_Status.newStatus();
      tensorflow.TF_UpdateEdge(handle, from, to, status);
      status.throwExceptionIfNotOK();
    }
  }

  private static Field handleField() {
    try {
      Field field = Graph.class.getDeclaredField("nativeHandle");
      if (field.getType() != TF_Graph.class) {
        return null;
      }
      field.setAccessible(true);
      return field;
    } catch (NoSuchFieldException | RuntimeException e) {
      // InaccessibleObjectException on the module path, NoSuchFieldException in another TensorFlow Java
      return null;
    }
  }
}
