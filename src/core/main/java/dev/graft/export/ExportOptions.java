package dev.graft.export;

import dev.graft.error.SettingException;
import java.util.Locale;
import java.util.Map;

/**
 * How a retrained model is exported.
 *
 * <pre>{@code
 * ExportOptions options = ExportOptions.builder().optKeepOldHead(true)
 *     .optInputContract(ExportOptions.InputContract.RAW_PIXELS).build();
 * }</pre>
 *
 * @param version the TensorFlow Serving version folder, or 0 for the next free integer at the moment of writing
 * @param keepOldHead whether the export also answers the original task ({@code old_probabilities}, signature
 *     {@code original})
 * @param inputContract what clients of the export send: what the source model took, or raw pixel values
 * @param metadata extra JSON-able entries for {@code graft.json} (training config, metrics...)
 */
public record ExportOptions(long version, boolean keepOldHead, InputContract inputContract, Map<String, Object> metadata) {

  /** What the export's {@code serving_default} input takes. */
  public enum InputContract {
    /**
     * A drop-in replacement of the source model (the default): the same input name, dtype, shape and value scale as
     * the source model's signature, so a client that fed the source model feeds the export unchanged. The scaling
     * Graft applied to its own decoded images while training is recorded in {@code graft.json}, not added to the graph.
     */
    DROP_IN,
    /**
     * The serving graph applies the training preprocessing itself: clients send raw pixel values (0-255 for images,
     * the numbers as they are otherwise), as Graft's data readers produce them.
     */
    RAW_PIXELS;

    /** The name used on the command line and in {@code graft.json}: {@code drop-in} or {@code raw-pixels}. */
    public String id() {
      return name().toLowerCase(Locale.ROOT).replace('_', '-');
    }

    /**
     * Parses {@link #id()}.
     *
     * @throws IllegalArgumentException naming the accepted values
     */
    public static InputContract parse(String text) {
      for (InputContract c : values()) {
        if (c.id().equals(text == null ? "" : text.strip().toLowerCase(Locale.ROOT))) {
          return c;
        }
      }
      throw new IllegalArgumentException("Export input '" + text + "' is not one of drop-in (the export takes what the "
          + "source model took) or raw-pixels (the export applies the preprocessing to raw values itself)");
    }
  }

  public ExportOptions {
    if (version < 0) {
      throw new SettingException("ExportOptions.Builder", Map.of("version", "optVersion"),
          "{version} must be a positive integer (0 = the next free one), got " + version);
    }
    if (inputContract == null) {
      throw new IllegalArgumentException("An input contract is required: InputContract.DROP_IN or RAW_PIXELS");
    }
    metadata = metadata == null ? Map.of() : Map.copyOf(metadata);
  }

  /** Next free version, no old head, a drop-in input. */
  public static ExportOptions defaults() {
    return builder().build();
  }

  /** A builder starting from {@link #defaults()}. */
  public static Builder builder() {
    return new Builder();
  }

  /** Builds {@link ExportOptions}; every value is optional. */
  public static final class Builder {
    private long version;
    private boolean keepOldHead;
    private InputContract inputContract = InputContract.DROP_IN;
    private Map<String, Object> metadata = Map.of();

    private Builder() {}

    /** The version folder number (default 0: the next free one). */
    public Builder optVersion(long version) {
      this.version = version;
      return this;
    }

    /** Whether the export also answers the original task (default false). */
    public Builder optKeepOldHead(boolean keep) {
      this.keepOldHead = keep;
      return this;
    }

    /** What the export's input takes (default {@link InputContract#DROP_IN}). */
    public Builder optInputContract(InputContract contract) {
      this.inputContract = contract;
      return this;
    }

    /** Extra entries for {@code graft.json}. */
    public Builder optMetadata(Map<String, Object> metadata) {
      this.metadata = metadata;
      return this;
    }

    public ExportOptions build() {
      return new ExportOptions(version, keepOldHead, inputContract, metadata);
    }
  }
}
