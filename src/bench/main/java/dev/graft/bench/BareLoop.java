package dev.graft.bench;

import dev.graft.GraftModel;
import dev.graft.graph.ReservedNames;
import java.util.ArrayList;
import java.util.Iterator;
import java.util.List;
import org.tensorflow.Graph;
import org.tensorflow.GraphOperation;
import org.tensorflow.Result;
import org.tensorflow.Session;
import org.tensorflow.types.TFloat32;

/**
 * The training step Graft built, run from a plain loop: the same step op, feeds and fetches as
 * {@code dev.graft.train.Trainer} uses, on batch tensors and scalars made before timing. What this loop reaches
 * is what TensorFlow alone allows; the gap to Graft's own epoch is Graft's feeding and bookkeeping.
 */
final class BareLoop {

  /** The training ops' name scope. */
  static final String SCOPE = ReservedNames.TRAIN;

  private final GraftModel model;
  private final String feed;
  private final String step;

  /**
   * Finds the step op of a model whose {@code train()} ran with one trained variable set (one step op).
   *
   * @param feed the tensor the batches go to: the model input, or the cut's features for cached head-only steps
   */
  BareLoop(GraftModel model, String feed) {
    this.model = model;
    this.feed = feed;
    this.step = stepOp(model.model().graph());
  }

  /** The single {@code graft_train/step_*} op of {@code graph}. */
  static String stepOp(Graph graph) {
    List<String> steps = new ArrayList<>();
    Iterator<GraphOperation> ops = graph.operations();
    while (ops.hasNext()) {
      GraphOperation op = ops.next();
      if (op.name().startsWith(SCOPE + "/step_") && op.type().equals("NoOp")) {
        steps.add(op.name());
      }
    }
    if (steps.size() != 1) {
      throw new IllegalStateException("Expected one training step op named " + SCOPE + "/step_*, found " + steps
          + "; train the model once with one freeze policy and no gradual unfreezing first");
    }
    return steps.get(0);
  }

  /** The step op and the tensors a step fetches (the loss and the head's probabilities, as the trainer does). */
  List<String> roots() {
    return List.of(step, SCOPE + "/loss", model.head().probabilities());
  }

  /**
   * Runs {@code warmup} untimed steps, then one pass over {@code batches}; returns the pass's seconds.
   * Learning rates and Adam's bias corrections are fed as scalars made once (the trainer makes new ones each step;
   * their values do not change the work).
   */
  double passSeconds(BenchData.Premade batches, int warmup) {
    Session session = model.model().session();
    try (TFloat32 lr = TFloat32.scalarOf(GraftRuns.LEARNING_RATE);
        TFloat32 beta1Power = TFloat32.scalarOf(0.9f * 0.9f);
        TFloat32 beta2Power = TFloat32.scalarOf(0.999f * 0.999f)) {
      int count = batches.features().size();
      for (int i = 0; i < warmup; i++) {
        runStep(session, batches, i % count, lr, beta1Power, beta2Power);
      }
      long start = System.nanoTime();
      for (int i = 0; i < count; i++) {
        runStep(session, batches, i, lr, beta1Power, beta2Power);
      }
      return (System.nanoTime() - start) / 1e9;
    }
  }

  /** TensorFlow's step statistics of the bare loop's step on the first batch (a few traced steps). */
  StepProfile profile(BenchData.Premade batches) {
    Session session = model.model().session();
    try (TFloat32 lr = TFloat32.scalarOf(GraftRuns.LEARNING_RATE);
        TFloat32 beta1Power = TFloat32.scalarOf(0.9f * 0.9f);
        TFloat32 beta2Power = TFloat32.scalarOf(0.999f * 0.999f)) {
      return StepProfile.of(() -> runner(session, batches, 0, lr, beta1Power, beta2Power), 3, 20);
    }
  }

  private Session.Runner runner(Session session, BenchData.Premade batches, int i, TFloat32 lr, TFloat32 beta1Power,
      TFloat32 beta2Power) {
    return session.runner().feed(feed, batches.features().get(i))
        .feed(SCOPE + "/labels", batches.labels().get(i))
        .feed(SCOPE + "/lr_head", lr).feed(SCOPE + "/lr_backbone", lr)
        .feed(SCOPE + "/beta1_power", beta1Power).feed(SCOPE + "/beta2_power", beta2Power)
        .fetch(SCOPE + "/loss").fetch(model.head().probabilities()).addTarget(step);
  }

  private void runStep(Session session, BenchData.Premade batches, int i, TFloat32 lr, TFloat32 beta1Power,
      TFloat32 beta2Power) {
    try (Result result = runner(session, batches, i, lr, beta1Power, beta2Power).run()) {
      if (result.size() != 2) {
        throw new IllegalStateException("Expected 2 fetched tensors, got " + result.size());
      }
    }
  }
}
