package dev.graft.data.batch;

import dev.graft.data.ExampleKind;
import dev.graft.data.LabeledData;
import dev.graft.data.transform.Augmentation;
import dev.graft.data.view.LabeledDatas;
import java.util.Arrays;
import java.util.Set;
import java.util.SplittableRandom;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.atomic.AtomicInteger;

/**
 * Feeds a {@link LabeledData} to TensorFlow in batches, shuffled per epoch from one seed, optionally augmented,
 * prepared on a background thread.
 *
 * <p>The order of epoch {@code e} depends only on the seed and {@code e}, so a run resumed at epoch {@code e} sees
 * the same batches. Close each {@link Batch}, and close the iterator (or this stream) when leaving an epoch early.
 *
 * <pre>{@code
 * try (BatchStream stream = BatchStream.builder().setData(train).setBatchSize(32).optSeed(7).build();
 *      BatchIterator it = stream.epoch(0)) {
 *   while (it.hasNext()) {
 *     try (Batch batch = it.next()) {
 *       // feed batch.features() and batch.labels()
 *     }
 *   }
 * }
 * }</pre>
 */
public final class BatchStream implements AutoCloseable {

  /** The most batches prepared ahead. */
  public static final int MAX_PREFETCH = 64;
  /** The most reading threads. */
  public static final int MAX_WORKERS = 256;

  /** Seed used when none is given. */
  public static final long DEFAULT_SEED = 42L;
  /** Most examples in a batch of a forward-only pass (evaluation, the feature cache, prediction). */
  public static final int FORWARD_BATCH = 256;
  /** Most bytes of example values in a batch of a forward-only pass. */
  public static final long FORWARD_BATCH_BYTES = 64L << 20;

  private final LabeledData data;
  private final int batchSize;
  private final boolean shuffle;
  private final long seed;
  private final int prefetch;
  private final boolean dropLast;
  private final ExecutorService workers;
  private final BatchMaker maker;
  private final Set<BatchIterator> open = ConcurrentHashMap.newKeySet();
  private volatile boolean closed;

  private BatchStream(Builder b) {
    this.data = b.data;
    this.batchSize = b.batchSize;
    this.shuffle = b.shuffle;
    this.seed = b.seed;
    this.prefetch = b.prefetch;
    this.dropLast = b.dropLast;
    if (b.workers > 1) {
      AtomicInteger count = new AtomicInteger();
      this.workers = Executors.newFixedThreadPool(b.workers, r -> {
        Thread t = new Thread(r, "graft-batch-worker-" + count.incrementAndGet());
        t.setDaemon(true);
        return t;
      });
    } else {
      this.workers = null;
    }
    Augmentation aug = b.augmentation == null || b.augmentation.isNone() ? null : b.augmentation;
    this.maker = new BatchMaker(data, aug, seed, b.skipBad, workers, b.workers);
  }

  /**
   * The batch size of a forward-only pass over {@code data}: {@value #FORWARD_BATCH} examples, or the largest power
   * of two whose float values fit {@value #FORWARD_BATCH_BYTES} bytes (64 for 224x224 RGB images). A batch is held
   * up to three times at once (being filled, prefetched, fed), so large examples in batches of 256 would cost about
   * half a gigabyte while running no faster.
   */
  public static int forwardBatchSize(LabeledData data) {
    return forwardBatchSize(LabeledDatas.exampleSize(data));
  }

  /** {@link #forwardBatchSize(LabeledData)} for examples of {@code valuesPerExample} floats. */
  public static int forwardBatchSize(long valuesPerExample) {
    long bytes = Math.max(1, valuesPerExample) * Float.BYTES;
    int batch = FORWARD_BATCH;
    while (batch > 1 && batch * bytes > FORWARD_BATCH_BYTES) {
      batch /= 2;
    }
    return batch;
  }

  /** A builder; data and batch size are required. */
  public static Builder builder() {
    return new Builder();
  }

  /**
   * The batches of epoch {@code epoch} (0-based), prepared ahead on a background thread when prefetch is above 0.
   *
   * @throws IllegalStateException if the stream is closed
   */
  public BatchIterator epoch(int epoch) {
    if (closed) {
      throw new IllegalStateException("BatchStream is closed; build a new one to read more epochs");
    }
    if (epoch < 0) {
      throw new IllegalArgumentException("Epoch " + epoch + " is negative; epochs count from 0");
    }
    BatchIterator it = new BatchIterator(this, order(epoch), epoch, prefetch);
    open.add(it);
    return it;
  }

  /** The example order of {@code epoch}: a permutation from the seed and the epoch, or 0..n-1 without shuffling. */
  public int[] order(int epoch) {
    int n = data.size();
    int[] order = new int[n];
    for (int i = 0; i < n; i++) {
      order[i] = i;
    }
    if (shuffle) {
      SplittableRandom rng = new SplittableRandom(BatchMaker.mix(seed, epoch, -1));
      for (int i = n - 1; i > 0; i--) {
        int j = rng.nextInt(i + 1);
        int t = order[i];
        order[i] = order[j];
        order[j] = t;
      }
    }
    return order;
  }

  /** Number of batches in one epoch. */
  public int batchesPerEpoch() {
    int n = data.size();
    return dropLast ? n / batchSize : (n + batchSize - 1) / batchSize;
  }

  /** The batch size. */
  public int batchSize() {
    return batchSize;
  }

  /** The data batched. */
  public LabeledData data() {
    return data;
  }

  /** Number of examples skipped so far because they turned out bad when read (with skipBad). */
  public int skipped() {
    return maker.skipped();
  }

  /** Builds the batch of {@code order[from..to)}; null if all its examples were skipped. */
  Batch makeBatch(int[] order, int from, int to, int epoch) {
    return maker.make(order, from, to, epoch);
  }

  /** End of batch {@code b} of an epoch, in {@code order}. */
  int batchEnd(int b) {
    return Math.min(data.size(), (b + 1) * batchSize);
  }

  void closed(BatchIterator it) {
    open.remove(it);
  }

  /** Stops every open iterator (closing batches they still hold) and the worker threads. */
  @Override
  public void close() {
    closed = true;
    for (BatchIterator it : open) {
      it.close();
    }
    if (workers != null) {
      workers.shutdownNow();
    }
  }

  /** Builder of {@link BatchStream}: {@code set} for required values, {@code opt} for optional ones. */
  public static final class Builder {
    private LabeledData data;
    private int batchSize;
    private boolean shuffle = true;
    private long seed = DEFAULT_SEED;
    private Augmentation augmentation;
    private int prefetch = 2;
    private boolean dropLast;
    private boolean skipBad;
    private int workers = 1;

    private Builder() {}

    /** The data to batch (required). */
    public Builder setData(LabeledData data) {
      this.data = data;
      return this;
    }

    /** Examples per batch (required, at least 1). */
    public Builder setBatchSize(int batchSize) {
      this.batchSize = batchSize;
      return this;
    }

    /** Seed of the shuffle and the augmentation (default {@value BatchStream#DEFAULT_SEED}). */
    public Builder optSeed(long seed) {
      this.seed = seed;
      return this;
    }

    /** Whether each epoch is shuffled (default true). */
    public Builder optShuffle(boolean shuffle) {
      this.shuffle = shuffle;
      return this;
    }

    /** Random changes applied to each training image (default none). */
    public Builder optAugmentation(Augmentation augmentation) {
      this.augmentation = augmentation;
      return this;
    }

    /** Batches prepared ahead on a background thread (default 2; 0 prepares each on {@code next()}). */
    public Builder optPrefetch(int depth) {
      this.prefetch = depth;
      return this;
    }

    /** Whether a last batch smaller than the batch size is dropped (default false). */
    public Builder optDropLast(boolean dropLast) {
      this.dropLast = dropLast;
      return this;
    }

    /** Whether examples that fail to read are left out of their batch and counted (default false: fail). */
    public Builder optSkipBad(boolean skipBad) {
      this.skipBad = skipBad;
      return this;
    }

    /** Threads that read and decode the examples of a batch in parallel (default 1). */
    public Builder optWorkers(int workers) {
      this.workers = workers;
      return this;
    }

    /**
     * Builds the stream.
     *
     * @throws IllegalArgumentException if data or batch size is missing or a value is out of range
     */
    public BatchStream build() {
      if (data == null) {
        throw new IllegalArgumentException("BatchStream needs data; call setData(...) first");
      }
      if (batchSize < 1) {
        throw new IllegalArgumentException("Batch size " + batchSize + " is below 1; call setBatchSize(n) with n >= 1");
      }
      if (prefetch < 0 || prefetch > MAX_PREFETCH || workers < 1 || workers > MAX_WORKERS) {
        throw new IllegalArgumentException("Prefetch depth " + prefetch + " must be in 0.." + MAX_PREFETCH
            + " and workers " + workers + " in 1.." + MAX_WORKERS);
      }
      if (augmentation != null && !augmentation.isNone()
          && (data.kind() != ExampleKind.FLOAT || data.exampleShape().length != 3)) {
        throw new IllegalArgumentException("Augmentation needs images of shape {H, W, C}, but " + data.describe()
            + " has " + data.kind() + " examples of shape " + Arrays.toString(data.exampleShape())
            + "; turn augmentation off for this data");
      }
      return new BatchStream(this);
    }
  }
}
