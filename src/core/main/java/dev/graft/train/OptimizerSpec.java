package dev.graft.train;

import java.util.Optional;

/**
 * An optimizer and its settings, one record per algorithm: {@link Sgd}, {@link Momentum} (plain or
 * Nesterov), {@link Adam} and {@link AdamW} (Adam with decoupled weight decay).
 *
 * <pre>{@code
 * OptimizerSpec spec = OptimizerSpec.parse("momentum:0.9");
 * }</pre>
 */
public sealed interface OptimizerSpec
    permits OptimizerSpec.Sgd, OptimizerSpec.Momentum, OptimizerSpec.Adam, OptimizerSpec.AdamW {

  /** Plain gradient descent. */
  record Sgd() implements OptimizerSpec {
    @Override
    public String toString() {
      return "sgd";
    }
  }

  /**
   * Gradient descent with momentum.
   *
   * @param momentum the decay of the accumulated gradient, in [0, 1)
   * @param nesterov whether the step looks ahead along the accumulated gradient (Nesterov momentum)
   */
  record Momentum(float momentum, boolean nesterov) implements OptimizerSpec {
    public Momentum {
      if (!(momentum >= 0 && momentum < 1)) {
        throw new IllegalArgumentException("momentum must be in [0, 1), got " + momentum);
      }
    }

    @Override
    public String toString() {
      return (nesterov ? "nesterov:" : "momentum:") + momentum;
    }
  }

  /**
   * Adam with bias correction.
   *
   * @param beta1 the first-moment decay
   * @param beta2 the second-moment decay
   * @param epsilon added to the second moment's root
   */
  record Adam(float beta1, float beta2, float epsilon) implements OptimizerSpec {
    public Adam {
      if (!(beta1 >= 0 && beta1 < 1 && beta2 >= 0 && beta2 < 1 && epsilon > 0)) {
        throw new IllegalArgumentException("Adam needs beta1 and beta2 in [0, 1) and epsilon > 0, got "
            + beta1 + ", " + beta2 + ", " + epsilon);
      }
    }

    @Override
    public Optional<Adam> moments() {
      return Optional.of(this);
    }

    @Override
    public String toString() {
      return "adam";
    }
  }

  /**
   * Adam with decoupled weight decay: each step first shrinks the weights by {@code lr * weightDecay}.
   *
   * @param adam the Adam settings
   * @param weightDecay the decay per unit of learning rate, >= 0
   */
  record AdamW(Adam adam, float weightDecay) implements OptimizerSpec {
    public AdamW {
      if (!(weightDecay >= 0) || Float.isInfinite(weightDecay)) {
        throw new IllegalArgumentException("AdamW's weight decay must be a number >= 0, got " + weightDecay);
      }
    }

    @Override
    public Optional<Adam> moments() {
      return Optional.of(adam);
    }

    @Override
    public String toString() {
      return "adamw:" + weightDecay;
    }
  }

  /** The Adam settings whose bias corrections each step needs, for the Adam family; empty otherwise. */
  default Optional<Adam> moments() {
    return Optional.empty();
  }

  /** Adam with the usual settings (beta1 0.9, beta2 0.999, epsilon 1e-7, as Keras). */
  static Adam adam() {
    return new Adam(0.9f, 0.999f, 1e-7f);
  }

  /**
   * Parses {@code sgd}, {@code momentum}, {@code nesterov}, {@code adam} or {@code adamw}, optionally
   * {@code :VALUE} for the momentum (default 0.9) or the weight decay (default 0.01).
   */
  static OptimizerSpec parse(String text) {
    String[] parts = text.trim().toLowerCase().split(":");
    float value;
    try {
      value = parts.length > 1 ? Float.parseFloat(parts[1]) : Float.NaN;
    } catch (NumberFormatException e) {
      throw new IllegalArgumentException("optimizer '" + text + "': the value after ':' must be a number", e);
    }
    float given = Float.isNaN(value) ? Float.NaN : value;
    return switch (parts[0]) {
      case "sgd" -> new Sgd();
      case "momentum" -> new Momentum(Float.isNaN(given) ? 0.9f : given, false);
      case "nesterov" -> new Momentum(Float.isNaN(given) ? 0.9f : given, true);
      case "adam" -> adam();
      case "adamw" -> new AdamW(adam(), Float.isNaN(given) ? 0.01f : given);
      default -> throw new IllegalArgumentException("Unknown optimizer '" + text
          + "'; use sgd, momentum[:M], nesterov[:M], adam or adamw[:DECAY]");
    };
  }
}
