package dev.graft.data.batch;

import java.util.ArrayList;
import java.util.Iterator;
import java.util.List;
import java.util.NoSuchElementException;
import java.util.concurrent.ArrayBlockingQueue;
import java.util.concurrent.BlockingQueue;

/**
 * The batches of one epoch; with prefetch, a background thread prepares them into a bounded queue.
 *
 * <p>Closing stops that thread and closes every batch prepared but not yet handed out.
 */
public final class BatchIterator implements Iterator<Batch>, AutoCloseable {

  private static final Object END = new Object();

  /** A failure of the background thread, handed to the consumer. */
  private record Failure(Throwable error) {}

  private final BatchStream stream;
  private final int[] order;
  private final int epoch;
  private final int batches;
  private final BlockingQueue<Object> queue;
  private final Thread producer;
  private volatile boolean closed;
  private int nextBatch;
  private Batch pending;
  private boolean done;

  BatchIterator(BatchStream stream, int[] order, int epoch, int prefetch) {
    this.stream = stream;
    this.order = order;
    this.epoch = epoch;
    this.batches = stream.batchesPerEpoch();
    if (prefetch > 0) {
      this.queue = new ArrayBlockingQueue<>(prefetch);
      this.producer = new Thread(this::produce, "graft-batch-prefetch-epoch-" + epoch);
      this.producer.setDaemon(true);
      this.producer.start();
    } else {
      this.queue = null;
      this.producer = null;
    }
  }

  /** The epoch these batches belong to. */
  public int epoch() {
    return epoch;
  }

  private Batch build(int b) {
    return stream.makeBatch(order, b * stream.batchSize(), stream.batchEnd(b), epoch);
  }

  private void produce() {
    try {
      for (int b = 0; b < batches && !closed; b++) {
        Batch batch = build(b);
        if (batch == null) {
          continue;
        }
        try {
          queue.put(batch);
        } catch (InterruptedException e) {
          batch.close();
          return;
        }
        if (closed) {
          return;
        }
      }
      queue.put(END);
    } catch (InterruptedException e) {
      // closed while waiting for room: nothing to hand over
    } catch (Throwable t) {
      try {
        queue.put(new Failure(t));
      } catch (InterruptedException e) {
        // closed while failing: the consumer is gone
      }
    }
  }

  @Override
  public boolean hasNext() {
    if (closed) {
      return false;
    }
    if (pending != null) {
      return true;
    }
    if (done) {
      return false;
    }
    if (producer == null) {
      while (pending == null && nextBatch < batches) {
        pending = build(nextBatch++);
      }
      done = pending == null;
      return pending != null;
    }
    Object item;
    try {
      item = queue.take();
    } catch (InterruptedException e) {
      Thread.currentThread().interrupt();
      close();
      throw new IllegalStateException("Interrupted while waiting for the next batch; the iterator is closed", e);
    }
    if (item == END) {
      done = true;
      close();
      return false;
    }
    if (item instanceof Failure f) {
      done = true;
      close();
      if (f.error() instanceof RuntimeException re) {
        throw re;
      }
      if (f.error() instanceof Error err) {
        throw err;
      }
      throw new IllegalStateException("Preparing a batch failed", f.error());
    }
    pending = (Batch) item;
    return true;
  }

  /**
   * The next batch; the caller owns it and must close it.
   *
   * @throws NoSuchElementException at the end of the epoch or after close
   */
  @Override
  public Batch next() {
    if (!hasNext()) {
      throw new NoSuchElementException(closed && !done ? "BatchIterator is closed; call stream.epoch(e) again"
          : "Epoch " + epoch + " has no more batches; check hasNext() first");
    }
    Batch b = pending;
    pending = null;
    return b;
  }

  /** Stops the background thread and closes batches prepared but not handed out; safe to call twice. */
  @Override
  public void close() {
    if (closed) {
      return;
    }
    closed = true;
    if (producer != null) {
      producer.interrupt();
      boolean interrupted = false;
      while (producer.isAlive()) {
        try {
          producer.join();
        } catch (InterruptedException e) {
          interrupted = true;
        }
      }
      if (interrupted) {
        Thread.currentThread().interrupt();
      }
      List<Object> left = new ArrayList<>();
      queue.drainTo(left);
      for (Object o : left) {
        if (o instanceof Batch b) {
          b.close();
        }
      }
    }
    if (pending != null) {
      pending.close();
      pending = null;
    }
    stream.closed(this);
  }
}
