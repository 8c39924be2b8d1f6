package dev.graft.head;

import java.util.Arrays;
import java.util.List;

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

  public HeadSpec {
    if (numClasses < 2) {
      throw new IllegalArgumentException("A head needs at least 2 classes, got " + numClasses
          + "; check --classes or the labels of the data");
    }
    hidden = List.copyOf(hidden);
    for (int units : hidden) {
      if (units < 1) {
        throw new IllegalArgumentException("Hidden layer sizes must be positive, got " + hidden + " (--hidden)");
      }
    }
    if (!(dropout >= 0 && dropout < 1)) {
      throw new IllegalArgumentException("Dropout must be in [0, 1), got " + dropout + " (--dropout)");
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
