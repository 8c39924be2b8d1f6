package dev.graft.extract;

import dev.graft.error.SettingException;
import java.io.Serializable;
import java.util.Map;

/**
 * How a {@link FeatureExtractor} loads its model: tag and signature, where to cut, how images are scaled, what it
 * answers and TensorFlow's threads. Serializable, so that a distributed job ships it to its workers.
 *
 * <pre>{@code
 * FeatureOptions options = FeatureOptions.builder().optCutLayer("global_average_pooling2d")
 *     .optPreprocess("symmetric").optThreads(1, 2).build();
 * }</pre>
 *
 * @param tag the meta graph tag
 * @param signature the signature key
 * @param cutAt the op output to cut at ({@code OP[:INDEX]}), or null
 * @param cutLayer the layer to cut at, or null (with {@code cutAt} null too: the head is located)
 * @param preprocess {@code unit}, {@code symmetric}, {@code none} or {@code meanstd:...}; null for the model's own
 *     (unit, or none for a Graft export that scales its input itself)
 * @param output features at the cut, or a Graft export's predictions
 * @param intraOpThreads TensorFlow's threads inside one op (0: TensorFlow's choice)
 * @param interOpThreads TensorFlow's ops run at once (0: TensorFlow's choice)
 */
public record FeatureOptions(String tag, String signature, String cutAt, String cutLayer, String preprocess,
    Output output, int intraOpThreads, int interOpThreads) implements Serializable {

  private static final long serialVersionUID = 1L;

  /** What a model answers for each image. */
  public enum Output {
    /** The values at the cut, which a new head reads. */
    FEATURES,
    /** A Graft export's {@code probabilities}, {@code class_ids} and {@code labels}. */
    PREDICTIONS
  }

  /** Checks the values. */
  public FeatureOptions {
    if (cutAt != null && cutLayer != null) {
      throw new SettingException("FeatureOptions.Builder", Map.of("cutAt", "optCutAt", "cutLayer", "optCutLayer"),
          "Give {cutAt} or {cutLayer}, not both (got " + cutAt + " and " + cutLayer + ")");
    }
    if (intraOpThreads < 0 || interOpThreads < 0) {
      throw new IllegalArgumentException("Thread counts must be >= 0 (0 = TensorFlow's choice), got "
          + intraOpThreads + "," + interOpThreads);
    }
    if (preprocess != null) {
      dev.graft.data.transform.Preprocessing.parse(preprocess);
    }
    java.util.Objects.requireNonNull(tag, "tag");
    java.util.Objects.requireNonNull(signature, "signature");
    java.util.Objects.requireNonNull(output, "output");
  }

  /** A builder: tag {@code serve}, signature {@code serving_default}, the located head, features. */
  public static Builder builder() {
    return new Builder();
  }

  /** A builder starting from these options. */
  public Builder toBuilder() {
    Builder b = new Builder();
    b.tag = tag;
    b.signature = signature;
    b.cutAt = cutAt;
    b.cutLayer = cutLayer;
    b.preprocess = preprocess;
    b.output = output;
    b.intra = intraOpThreads;
    b.inter = interOpThreads;
    return b;
  }

  /** Builds {@link FeatureOptions}. */
  public static final class Builder {
    private String tag = "serve";
    private String signature = "serving_default";
    private String cutAt;
    private String cutLayer;
    private String preprocess;
    private Output output = Output.FEATURES;
    private int intra;
    private int inter;

    private Builder() {}

    /** The meta graph tag (default {@code serve}). */
    public Builder optTag(String tag) {
      this.tag = tag;
      return this;
    }

    /** The signature key (default {@code serving_default}). */
    public Builder optSignature(String signature) {
      this.signature = signature;
      return this;
    }

    /** Cut at an op output, {@code OP[:INDEX]}. */
    public Builder optCutAt(String cutAt) {
      this.cutAt = cutAt;
      return this;
    }

    /** Cut at the output of a named layer. */
    public Builder optCutLayer(String cutLayer) {
      this.cutLayer = cutLayer;
      return this;
    }

    /** The preprocessing, as {@link dev.graft.data.Preprocessing#parse} reads it. */
    public Builder optPreprocess(String preprocess) {
      this.preprocess = preprocess;
      return this;
    }

    /** Features (default) or predictions. */
    public Builder optOutput(Output output) {
      this.output = output;
      return this;
    }

    /** TensorFlow's intra-op and inter-op threads (0: TensorFlow's choice). */
    public Builder optThreads(int intraOp, int interOp) {
      this.intra = intraOp;
      this.inter = interOp;
      return this;
    }

    /** The options. */
    public FeatureOptions build() {
      return new FeatureOptions(tag, signature, cutAt, cutLayer, preprocess, output, intra, inter);
    }
  }
}
