package dev.graft.train;

import dev.graft.error.SettingException;
import java.util.Arrays;

/**
 * The validation metric that picks the best epoch and stops a phase early, named as Keras names it.
 *
 * <pre>{@code
 * TrainConfig.builder().optMonitor(Monitor.VAL_LOSS).optPatience(3).build();
 * }</pre>
 */
public enum Monitor {
  /** Validation cross-entropy, lower is better. */
  VAL_LOSS("val_loss"),
  /** Validation accuracy, higher is better (the default). */
  VAL_ACCURACY("val_accuracy");

  private final String id;

  Monitor(String id) {
    this.id = id;
  }

  /** The metric's name: {@code val_accuracy} or {@code val_loss}. */
  public String id() {
    return id;
  }

  /** The epoch's score on this metric, higher better (the loss negated); NaN without validation data. */
  public double score(EpochMetrics metrics) {
    return this == VAL_LOSS ? -metrics.valLoss() : metrics.valAccuracy();
  }

  /**
   * The metric named {@code id}: {@code val_loss} or {@code val_accuracy}.
   *
   * @throws SettingException naming the accepted names when {@code id} is neither
   */
  public static Monitor parse(String id) {
    for (Monitor m : values()) {
      if (m.id.equals(id)) {
        return m;
      }
    }
    throw TrainConfig.invalid("{monitor} must be " + String.join(" or ",
        Arrays.stream(values()).map(Monitor::id).toList()) + ", got " + id);
  }

  @Override
  public String toString() {
    return id;
  }
}
