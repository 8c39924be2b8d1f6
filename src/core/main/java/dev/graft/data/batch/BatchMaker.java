package dev.graft.data.batch;

import dev.graft.data.ExampleKind;
import dev.graft.data.LabeledData;
import dev.graft.data.transform.Augmentation;
import dev.graft.data.view.LabeledDatas;
import dev.graft.error.DataException;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import java.util.Queue;
import java.util.Random;
import java.util.concurrent.Callable;
import java.util.concurrent.ConcurrentLinkedQueue;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Future;
import java.util.concurrent.atomic.AtomicInteger;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;
import org.tensorflow.Tensor;
import org.tensorflow.ndarray.Shape;
import org.tensorflow.ndarray.buffer.DataBuffers;
import org.tensorflow.types.TFloat32;
import org.tensorflow.types.TInt32;
import org.tensorflow.types.TString;

/** Reads, augments and packs examples into a {@link Batch}, optionally on several threads. */
final class BatchMaker {

  private static final Logger LOG = LoggerFactory.getLogger(BatchMaker.class);
  /** Spare read buffers kept: one per batch that can be in the making at once, with room. */
  private static final int MAX_SPARE = 4;

  private final LabeledData data;
  private final long[] shape;
  private final int exampleSize;
  private final Augmentation augmentation;
  private final long seed;
  private final boolean skipBad;
  private final ExecutorService workers;
  private final int workerCount;
  private final AtomicInteger skipped = new AtomicInteger();
  /**
   * Float buffers that batches were read into, kept for the next batches: {@link #pack} copies a batch into its
   * tensor, so one buffer serves every batch, and a long run makes no garbage of batch size per step.
   */
  private final Queue<float[]> spare = new ConcurrentLinkedQueue<>();

  BatchMaker(LabeledData data, Augmentation augmentation, long seed, boolean skipBad, ExecutorService workers,
      int workerCount) {
    this.data = data;
    this.shape = data.exampleShape();
    this.exampleSize = Math.toIntExact(LabeledDatas.product(shape));
    if (data.kind() == ExampleKind.STRING && exampleSize != 1) {
      throw new IllegalArgumentException("String examples hold one string each, so their shape must be [] or [1]; "
          + data.describe() + " says " + Arrays.toString(shape));
    }
    this.augmentation = augmentation;
    this.seed = seed;
    this.skipBad = skipBad;
    this.workers = workers;
    this.workerCount = workerCount;
  }

  int skipped() {
    return skipped.get();
  }

  /** Seed of the augmentation of example {@code index} in {@code epoch}. */
  static long mix(long seed, long a, long b) {
    long h = seed;
    h = splitMix(h ^ splitMix(a + 0x9E3779B97F4A7C15L));
    h = splitMix(h ^ splitMix(b + 0xBF58476D1CE4E5B9L));
    return h;
  }

  private static long splitMix(long z) {
    z = (z ^ (z >>> 30)) * 0xBF58476D1CE4E5B9L;
    z = (z ^ (z >>> 27)) * 0x94D049BB133111EBL;
    return z ^ (z >>> 31);
  }

  /** The batch of the examples at {@code order[from..to)}, or null if every one of them was bad and skipped. */
  Batch make(int[] order, int from, int to, int epoch) {
    int n = to - from;
    boolean strings = data.kind() == ExampleKind.STRING;
    float[] values = strings ? null : borrow(n * exampleSize);
    try {
      return assemble(order, from, n, epoch, values);
    } finally {
      if (values != null && spare.size() < MAX_SPARE) {
        spare.offer(values);
      }
    }
  }

  private float[] borrow(int length) {
    float[] buffer = spare.poll();
    return buffer != null && buffer.length >= length ? buffer : new float[length];
  }

  private Batch assemble(int[] order, int from, int n, int epoch, float[] values) {
    boolean strings = values == null;
    byte[][] bytes = strings ? new byte[n][] : null;
    boolean[] ok = new boolean[n];
    if (workers == null || n < 2 * workerCount) {
      read(order, from, 0, n, epoch, values, bytes, ok);
    } else {
      readParallel(order, from, n, epoch, values, bytes, ok);
    }
    int[] labels = new int[n];
    int[] indices = new int[n];
    int k = 0;
    for (int i = 0; i < n; i++) {
      if (!ok[i]) {
        continue;
      }
      if (k != i) {
        if (strings) {
          bytes[k] = bytes[i];
        } else {
          System.arraycopy(values, i * exampleSize, values, k * exampleSize, exampleSize);
        }
      }
      indices[k] = order[from + i];
      labels[k] = data.label(indices[k]);
      k++;
    }
    if (k == 0) {
      return null;
    }
    return pack(k, values, bytes, Arrays.copyOf(labels, k), Arrays.copyOf(indices, k));
  }

  private void readParallel(int[] order, int from, int n, int epoch, float[] values, byte[][] bytes, boolean[] ok) {
    int chunk = (n + workerCount - 1) / workerCount;
    List<Callable<Void>> tasks = new ArrayList<>();
    for (int start = 0; start < n; start += chunk) {
      int s = start;
      int e = Math.min(n, start + chunk);
      tasks.add(() -> {
        read(order, from, s, e, epoch, values, bytes, ok);
        return null;
      });
    }
    try {
      for (Future<Void> f : workers.invokeAll(tasks)) {
        f.get();
      }
    } catch (InterruptedException e) {
      Thread.currentThread().interrupt();
      throw new IllegalStateException("Interrupted while reading a batch", e);
    } catch (ExecutionException e) {
      if (e.getCause() instanceof RuntimeException re) {
        throw re;
      }
      if (e.getCause() instanceof Error err) {
        throw err;
      }
      throw new IllegalStateException(e.getCause());
    }
  }

  private void read(int[] order, int from, int start, int end, int epoch, float[] values, byte[][] bytes,
      boolean[] ok) {
    for (int i = start; i < end; i++) {
      int index = order[from + i];
      try {
        if (bytes != null) {
          bytes[i] = data.readBytes(index);
        } else {
          data.readFloats(index, values, i * exampleSize);
          if (augmentation != null) {
            augmentation.apply(values, i * exampleSize, shape, new Random(mix(seed, epoch, index)));
          }
        }
        ok[i] = true;
      } catch (DataException e) {
        if (!skipBad || Thread.currentThread().isInterrupted()) {
          throw e;
        }
        skipped.incrementAndGet();
        LOG.warn("Skipping bad example {}: {}", index, e.getMessage());
      }
    }
  }

  private Batch pack(int k, float[] values, byte[][] bytes, int[] labels, int[] indices) {
    Tensor features;
    long[] dims = new long[shape.length + 1];
    dims[0] = k;
    System.arraycopy(shape, 0, dims, 1, shape.length);
    if (bytes != null) {
      byte[][] kept = bytes.length == k ? bytes : Arrays.copyOf(bytes, k);
      // [k] for tf.Example strings, [k, 1] for a model that reads one raw string per row
      features = TString.tensorOfBytes(Shape.of(dims), DataBuffers.ofObjects(kept));
    } else {
      features = TFloat32.tensorOf(Shape.of(dims), DataBuffers.of(values, true, false).narrow((long) k * exampleSize));
    }
    try {
      TInt32 labelTensor = TInt32.tensorOf(Shape.of(k), DataBuffers.of(labels));
      return new Batch(features, labelTensor, labels, indices);
    } catch (RuntimeException | Error e) {
      features.close();
      throw e;
    }
  }
}
