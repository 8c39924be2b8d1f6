package dev.graft.graph;

import java.util.List;
import org.tensorflow.Result;
import org.tensorflow.Tensor;

/** Values of a list of variables at one moment, owned until closed. */
public final class VariableSnapshot implements AutoCloseable {

  private final List<String> names;
  private final Result values;
  private boolean closed;

  VariableSnapshot(List<String> names, Result values) {
    this.names = List.copyOf(names);
    this.values = values;
  }

  /** Variable names, in the order of {@link #value(int)}. */
  public List<String> names() {
    return names;
  }

  /** The value of the i-th variable; valid until this snapshot is closed. */
  public Tensor value(int i) {
    if (closed) {
      throw new IllegalStateException("Snapshot is closed: take a new one with VariableIo.read()");
    }
    return values.get(i);
  }

  /** The value of a variable by name. */
  public Tensor value(String name) {
    int i = names.indexOf(name);
    if (i < 0) {
      throw new IllegalArgumentException("Snapshot has no variable '" + name + "'");
    }
    return value(i);
  }

  @Override
  public void close() {
    if (!closed) {
      closed = true;
      if (values != null) {
        values.close();
      }
    }
  }
}
