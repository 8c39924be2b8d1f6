package dev.graft.head;

import dev.graft.error.DataException;
import dev.graft.error.SettingException;
import dev.graft.error.SettingMessage;
import java.util.Arrays;
import java.util.List;
import java.util.Map;

/**
 * What the new head looks like: optional hidden ReLU dense layers, dropout before each dense layer
 * (training graph only), then dense(numClasses) + softmax.
 *
 * <pre>{@code
 * HeadSpec spec = HeadSpec.builder().setNumClasses(5).optHidden(128).optDropout(0.2f).build();
 * }</pre>
 *
 * @param numClasses classes of the new head (at least 2)
 * @param hidden units of each hidden dense layer, in order
 * @param dropout fraction of inputs dropped before each dense layer while training, in [0, 1)
 */
public record HeadSpec(int numClasses, List<Integer> hidden, float dropout) {

  /** The most classes a head may have. */
  public static final int MAX_CLASSES = 100_000;
  /** The most units a hidden layer may have. */
  public static final int MAX_UNITS = 1 << 16;
  /** The most weights one dense layer of the head may have (a 1 GiB float kernel). */
  public static final long MAX_LAYER_WEIGHTS = 1L << 28;

  public HeadSpec {
    if (numClasses < 2 || numClasses > MAX_CLASSES) {
      throw new SettingException(SettingMessage.of(DataException.SETTINGS, "A head needs between 2 and "
          + MAX_CLASSES + " classes, got " + numClasses + "; check {classes} or the labels of the data"));
    }
    hidden = List.copyOf(hidden);
    for (int units : hidden) {
      if (units < 1 || units > MAX_UNITS) {
        throw invalid("Hidden layer sizes must be between 1 and " + MAX_UNITS + ", got " + hidden + " from {hidden}");
      }
    }
    if (!(dropout >= 0 && dropout < 1)) {
      throw invalid("Dropout must be in [0, 1), got " + dropout + " from {dropout}");
    }
  }

  private static SettingException invalid(String template) {
    return new SettingException("HeadSpec.Builder", Map.of("hidden", "optHidden", "dropout", "optDropout"), template);
  }

  /**
   * Checks that every dense layer of this head over {@code featureSize} features stays within
   * {@link #MAX_LAYER_WEIGHTS} weights.
   *
   * @throws IllegalArgumentException naming the layer and its size
   */
  public void checkSize(long featureSize) {
    long in = featureSize;
    List<Integer> units = new java.util.ArrayList<>(hidden);
    units.add(numClasses);
    for (int i = 0; i < units.size(); i++) {
      long weights = in * units.get(i);
      if (weights > MAX_LAYER_WEIGHTS) {
        throw invalid("The new head's " + (i < hidden.size() ? "hidden layer " + (i + 1)
            : "output layer") + " would have " + in + " x " + units.get(i) + " = " + weights + " weights, more than "
            + MAX_LAYER_WEIGHTS + "; pass smaller {hidden} sizes, or cut at a smaller feature tensor");
      }
      in = units.get(i);
    }
  }

  /** A builder; {@link Builder#setNumClasses} is required. */
  public static Builder builder() {
    return new Builder();
  }

  /** Builds a {@link HeadSpec}. */
  public static final class Builder {
    private int numClasses;
    private List<Integer> hidden = List.of();
    private float dropout;

    /** Number of classes of the new head. */
    public Builder setNumClasses(int numClasses) {
      this.numClasses = numClasses;
      return this;
    }

    /** Units of hidden ReLU layers before the classifier. */
    public Builder optHidden(int... units) {
      this.hidden = Arrays.stream(units).boxed().toList();
      return this;
    }

    /** Units of hidden ReLU layers before the classifier. */
    public Builder optHidden(List<Integer> units) {
      this.hidden = List.copyOf(units);
      return this;
    }

    /** Dropout rate before each dense layer while training. */
    public Builder optDropout(float rate) {
      this.dropout = rate;
      return this;
    }

    public HeadSpec build() {
      return new HeadSpec(numClasses, hidden, dropout);
    }
  }
}
