package dev.graft.feature;

import dev.graft.data.batch.Batch;
import dev.graft.data.batch.BatchIterator;
import dev.graft.data.batch.BatchStream;
import dev.graft.data.LabeledData;
import dev.graft.error.GraftException;
import java.util.Arrays;
import org.tensorflow.Output;
import org.tensorflow.Result;
import org.tensorflow.Session;
import org.tensorflow.Tensor;

/**
 * Batch in, probabilities out: runs examples, in order, through a session fed at one tensor and fetched at
 * another, and hands each batch's rows to a {@link Sink}. Evaluation during training, {@code GraftModel.evaluate}
 * and the prediction of a loaded export all go through it.
 *
 * <pre>{@code
 * ForwardPass pass = new ForwardPass(session, graph.outputOrThrow("x"), graph.outputOrThrow("probs"), 3);
 * Metrics metrics = new Metrics(3, 1);
 * pass.run(data, false, (p, batch) -> metrics.add(p, batch.labelArray(), batch.size()));
 * }</pre>
 *
 * <p>The pass feeds examples as they come: a caller that scales raw values scales {@code data} first. The session
 * belongs to the caller, who keeps it open for the pass.
 */
public final class ForwardPass {

  /** Receives each batch's answers. */
  @FunctionalInterface
  public interface Sink {
    /**
     * Takes {@code batch.size()} rows of {@code classes} floats, row-major, for the examples of {@code batch}; the
     * batch is closed after the call, the array is the sink's to keep.
     */
    void accept(float[] rows, Batch batch);
  }

  private final Session session;
  private final Output<?> feed;
  private final Output<?> fetch;
  private final int classes;
  private final String misshapenAdvice;

  /**
   * A pass that feeds {@code feed} and fetches {@code fetch}, a float tensor of shape {@code [batch, classes]}.
   *
   * @throws IllegalArgumentException when {@code classes} is below 1
   */
  public ForwardPass(Session session, Output<?> feed, Output<?> fetch, int classes) {
    this(session, feed, fetch, classes, "");
  }

  private ForwardPass(Session session, Output<?> feed, Output<?> fetch, int classes, String misshapenAdvice) {
    if (classes < 1) {
      throw new IllegalArgumentException("A forward pass needs 1 or more classes; got " + classes);
    }
    this.session = session;
    this.feed = feed;
    this.fetch = fetch;
    this.classes = classes;
    this.misshapenAdvice = misshapenAdvice;
  }

  /**
   * This pass, with {@code advice} ending the message when the fetched tensor is not {@code [batch, classes]}
   * (what the user can do about a model that answers another shape).
   */
  public ForwardPass whenMisshapen(String advice) {
    return new ForwardPass(session, feed, fetch, classes, " " + advice);
  }

  /**
   * One pass over {@code data} in order, in batches of {@link BatchStream#forwardBatchSize(LabeledData)}.
   *
   * @param skipBad whether unreadable examples are left out (and counted) instead of stopping the pass
   * @return the number of examples left out as unreadable
   */
  public int run(LabeledData data, boolean skipBad, Sink sink) {
    try (BatchStream stream = BatchStream.builder().setData(data).setBatchSize(BatchStream.forwardBatchSize(data))
        .optShuffle(false).optSkipBad(skipBad).build()) {
      run(stream, sink);
      return stream.skipped();
    }
  }

  /** One pass over the first epoch of {@code stream}, a stream built once and passed over again (each epoch's validation). */
  public void run(BatchStream stream, Sink sink) {
    try (BatchIterator batches = stream.epoch(0)) {
      while (batches.hasNext()) {
        try (Batch batch = batches.next();
            Result result = session.runner().feed(feed, batch.features()).fetch(fetch).run()) {
          sink.accept(rows(result.get(0), batch.size()), batch);
        }
      }
    }
  }

  private float[] rows(Tensor answer, int n) {
    long[] dims = answer.shape().asArray();
    if (dims.length != 2 || dims[0] != n || dims[1] != classes) {
      throw new GraftException("The model answered probabilities of shape " + Arrays.toString(dims) + " for " + n
          + " examples; " + classes + " classes make [" + n + ", " + classes + "]." + misshapenAdvice);
    }
    float[] values = new float[n * classes];
    answer.asRawTensor().data().asFloats().read(values);
    return values;
  }
}
