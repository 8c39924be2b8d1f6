package dev.graft.train;

/**
 * An optimizer and its settings: {@code sgd}, {@code momentum}, {@code nesterov}, {@code adam} or
 * {@code adamw}.
 *
 * @param kind the algorithm
 * @param momentum momentum for {@code momentum}/{@code nesterov}
 * @param beta1 Adam's first-moment decay
 * @param beta2 Adam's second-moment decay
 * @param epsilon Adam's epsilon
 * @param weightDecay AdamW's decoupled weight decay
 */
public record OptimizerSpec(Kind kind, float momentum, float beta1, float beta2, float epsilon, float weightDecay) {

  /** The algorithms. */
  public enum Kind { SGD, MOMENTUM, NESTEROV, ADAM, ADAMW }

  /** Adam with the usual settings. */
  public static OptimizerSpec adam() {
    return new OptimizerSpec(Kind.ADAM, 0.9f, 0.9f, 0.999f, 1e-7f, 0);
  }

  /** Parses {@code sgd}, {@code momentum}, {@code nesterov}, {@code adam} or {@code adamw}, optionally {@code :VALUE}
   * for the momentum or the weight decay. */
  public static OptimizerSpec parse(String text) {
    String[] parts = text.trim().toLowerCase().split(":");
    float value;
    try {
      value = parts.length > 1 ? Float.parseFloat(parts[1]) : Float.NaN;
    } catch (NumberFormatException e) {
      throw new IllegalArgumentException("--optimizer " + text + ": the value after ':' must be a number", e);
    }
    OptimizerSpec base = adam();
    return switch (parts[0]) {
      case "sgd" -> new OptimizerSpec(Kind.SGD, 0, 0, 0, 0, 0);
      case "momentum" -> new OptimizerSpec(Kind.MOMENTUM, Float.isNaN(value) ? 0.9f : value, 0, 0, 0, 0);
      case "nesterov" -> new OptimizerSpec(Kind.NESTEROV, Float.isNaN(value) ? 0.9f : value, 0, 0, 0, 0);
      case "adam" -> base;
      case "adamw" -> new OptimizerSpec(Kind.ADAMW, 0, base.beta1, base.beta2, base.epsilon,
          Float.isNaN(value) ? 0.01f : value);
      default -> throw new IllegalArgumentException("Unknown --optimizer '" + text
          + "'; use sgd, momentum[:M], nesterov[:M], adam or adamw[:DECAY]");
    };
  }

  @Override
  public String toString() {
    return switch (kind) {
      case SGD -> "sgd";
      case MOMENTUM -> "momentum:" + momentum;
      case NESTEROV -> "nesterov:" + momentum;
      case ADAM -> "adam";
      case ADAMW -> "adamw:" + weightDecay;
    };
  }
}
