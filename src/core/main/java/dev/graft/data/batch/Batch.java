package dev.graft.data.batch;

import java.util.concurrent.atomic.AtomicInteger;
import org.tensorflow.Tensor;
import org.tensorflow.types.TInt32;

/**
 * One minibatch: owns its feature and label tensors and closes them; refuses use after close.
 *
 * <pre>{@code
 * try (Batch batch = batches.next()) {
 *   session.runner().feed("x", batch.features()).feed("y", batch.labels()).run();
 * }
 * }</pre>
 */
public final class Batch implements AutoCloseable {

  private static final AtomicInteger OPEN = new AtomicInteger();

  private final Tensor features;
  private final TInt32 labels;
  private final int[] labelArray;
  private final int[] indices;
  private volatile boolean closed;

  /** Takes ownership of {@code features} and {@code labels}. */
  Batch(Tensor features, TInt32 labels, int[] labelArray, int[] indices) {
    this.features = features;
    this.labels = labels;
    this.labelArray = labelArray;
    this.indices = indices;
    OPEN.incrementAndGet();
  }

  /** Number of batches created and not yet closed in this JVM (for leak checks). */
  static int openCount() {
    return OPEN.get();
  }

  /** Features: {@code TFloat32 [n, ...exampleShape]} for float data, {@code TString [n]} for string data. */
  public Tensor features() {
    checkOpen();
    return features;
  }

  /** Labels, {@code TInt32 [n]}. */
  public TInt32 labels() {
    checkOpen();
    return labels;
  }

  /** Number of examples in the batch. */
  public int size() {
    return labelArray.length;
  }

  /** Labels as a Java array (a copy). */
  public int[] labelArray() {
    checkOpen();
    return labelArray.clone();
  }

  /** The label of example {@code i} of this batch, without copying the labels. */
  public int label(int i) {
    checkOpen();
    return labelArray[i];
  }

  /** The index of example {@code i} of this batch in the data it was drawn from, without copying. */
  public int index(int i) {
    checkOpen();
    return indices[i];
  }

  /** Indices of the examples in the data the batch was drawn from (a copy). */
  public int[] indices() {
    checkOpen();
    return indices.clone();
  }

  /** Whether {@link #close()} was called. */
  public boolean isClosed() {
    return closed;
  }

  private void checkOpen() {
    if (closed) {
      throw new IllegalStateException("Batch is closed; use its tensors inside try (Batch b = it.next()) { ... }"
          + " and take what you need before it closes");
    }
  }

  /** Closes both tensors; later calls do nothing. */
  @Override
  public synchronized void close() {
    if (closed) {
      return;
    }
    closed = true;
    try {
      features.close();
    } finally {
      labels.close();
      OPEN.decrementAndGet();
    }
  }
}
