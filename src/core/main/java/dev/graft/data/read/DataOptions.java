package dev.graft.data.read;

import dev.graft.data.ExampleKind;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import java.util.Optional;

/**
 * How to read a data source: target example shape, class subset, bad-item policy and format keys.
 *
 * <pre>{@code
 * DataOptions options = DataOptions.builder()
 *     .optTargetShape(224, 224, 3).optClasses("cat,dog").optSkipBad(true).build();
 * }</pre>
 */
public final class DataOptions {

  /** Default TFRecord key of the encoded image bytes. */
  public static final String DEFAULT_IMAGE_KEY = "image/encoded";
  /** Default TFRecord key of the int64 class label. */
  public static final String DEFAULT_LABEL_KEY = "image/class/label";
  /** Default TFRecord key of the optional class name text. */
  public static final String DEFAULT_TEXT_KEY = "image/class/text";

  /** The longest example vector ({@code {F}} target shape). */
  public static final long MAX_VECTOR = 1L << 28;
  /** Integer labels must be below this: a label names a class, and classes 0..max label are made. */
  public static final int MAX_CLASSES = 100_000;

  private static final DataOptions DEFAULTS = builder().build();

  private final long[] targetShape;
  private final List<String> classes;
  private final List<String> classNames;
  private final boolean skipBad;
  private final String labelColumn;
  private final Boolean csvHeader;
  private final String imageKey;
  private final String labelKey;
  private final String textKey;
  private final boolean rawExamples;

  private DataOptions(Builder b) {
    this.targetShape = b.targetShape;
    this.classes = List.copyOf(b.classes);
    this.classNames = b.classNames == null ? null : List.copyOf(b.classNames);
    this.skipBad = b.skipBad;
    this.labelColumn = b.labelColumn;
    this.csvHeader = b.csvHeader;
    this.imageKey = b.imageKey;
    this.labelKey = b.labelKey;
    this.textKey = b.textKey;
    this.rawExamples = b.rawExamples;
  }

  /** Options with every default: source shapes, all classes, fail on bad items. */
  public static DataOptions defaults() {
    return DEFAULTS;
  }

  /** A builder starting from the defaults. */
  public static Builder builder() {
    return new Builder();
  }

  /** A builder starting from these options. */
  public Builder toBuilder() {
    Builder b = new Builder();
    b.targetShape = targetShape;
    b.classes = new ArrayList<>(classes);
    b.classNames = classNames;
    b.skipBad = skipBad;
    b.labelColumn = labelColumn;
    b.csvHeader = csvHeader;
    b.imageKey = imageKey;
    b.labelKey = labelKey;
    b.textKey = textKey;
    b.rawExamples = rawExamples;
    return b;
  }

  /** Target image shape {@code {H, W, C}} (entries of -1 keep the source's value), if set. */
  public Optional<long[]> targetShape() {
    return Optional.ofNullable(targetShape).map(long[]::clone);
  }

  /** Classes to keep, as names or indices, in the order that becomes labels 0..K-1; empty keeps all. */
  public List<String> classes() {
    return classes;
  }

  /** Names for integer labels (IDX, CSV and TFRecord), if given. */
  public Optional<List<String>> classNames() {
    return Optional.ofNullable(classNames);
  }

  /** Whether bad items are skipped and counted instead of failing. */
  public boolean skipBad() {
    return skipBad;
  }

  /** CSV label column as a header name or a 0-based index (negative counts from the end), if set. */
  public Optional<String> labelColumn() {
    return Optional.ofNullable(labelColumn);
  }

  /** Whether the CSV has a header row; empty means detect it. */
  public Optional<Boolean> csvHeader() {
    return Optional.ofNullable(csvHeader);
  }

  /** TFRecord feature key of the encoded image. */
  public String imageKey() {
    return imageKey;
  }

  /** TFRecord feature key of the int64 label. */
  public String labelKey() {
    return labelKey;
  }

  /** TFRecord feature key of the optional class-name text. */
  public String textKey() {
    return textKey;
  }

  /** Whether TFRecords yield their serialized {@code tf.Example}s ({@link ExampleKind#STRING}). */
  public boolean rawExamples() {
    return rawExamples;
  }

  @Override
  public String toString() {
    return "DataOptions{targetShape=" + Arrays.toString(targetShape) + ", classes=" + classes
        + ", skipBad=" + skipBad + ", labelColumn=" + labelColumn + ", rawExamples=" + rawExamples + "}";
  }

  /** Builder of {@link DataOptions}; every value is optional. */
  public static final class Builder {
    private long[] targetShape;
    private List<String> classes = new ArrayList<>();
    private List<String> classNames;
    private boolean skipBad;
    private String labelColumn;
    private Boolean csvHeader;
    private String imageKey = DEFAULT_IMAGE_KEY;
    private String labelKey = DEFAULT_LABEL_KEY;
    private String textKey = DEFAULT_TEXT_KEY;
    private boolean rawExamples;

    private Builder() {}

    /**
     * Resizes and converts images to {@code {H, W, C}}; -1 keeps the source's value; C must be 1 or 3. A shape
     * {@code {F}} asks for vectors of {@code F} values: CSV feature columns, or images flattened (for models whose
     * input is {@code [N, F]}).
     */
    public Builder optTargetShape(long... shape) {
      if (shape.length == 1) {
        if (shape[0] < 1 || shape[0] > MAX_VECTOR) {
          throw new IllegalArgumentException("Target vector length " + shape[0] + " is outside 1.." + MAX_VECTOR
              + "; pass the model input's feature count");
        }
        this.targetShape = shape.clone();
        return this;
      }
      if (shape.length != 3) {
        throw new IllegalArgumentException("Target shape " + Arrays.toString(shape)
            + " has rank " + shape.length + ", expected {H, W, C} or {F}; pass the model's image input without the batch dimension");
      }
      long c = shape[2];
      if (c != -1 && c != 1 && c != 3) {
        throw new IllegalArgumentException("Target shape " + Arrays.toString(shape)
            + " has " + c + " channels, expected 1 (gray) or 3 (RGB)");
      }
      for (int i = 0; i < 2; i++) {
        if (shape[i] == 0 || shape[i] < -1 || shape[i] > 1 << 14) {
          throw new IllegalArgumentException("Target shape " + Arrays.toString(shape)
              + " has a bad size " + shape[i] + ", expected 1.." + (1 << 14) + " or -1 for the source's size");
        }
      }
      this.targetShape = shape.clone();
      return this;
    }

    /** Keeps only these classes (names or indices, comma separated, e.g. {@code "5,6,7"}), relabelled 0..K-1. */
    public Builder optClasses(String commaSeparated) {
      List<String> list = new ArrayList<>();
      if (commaSeparated != null) {
        for (String s : commaSeparated.split(",")) {
          if (!s.isBlank()) {
            list.add(s.strip());
          }
        }
      }
      this.classes = list;
      return this;
    }

    /** Keeps only these classes (names or indices), relabelled 0..K-1 in this order. */
    public Builder optClasses(List<String> classes) {
      this.classes = new ArrayList<>(classes);
      return this;
    }

    /** Names integer labels {@code 0..n-1} (IDX, CSV with integer labels, TFRecord). */
    public Builder optClassNames(List<String> names) {
      this.classNames = names == null ? null : List.copyOf(names);
      return this;
    }

    /** Skips and counts bad items instead of failing on the first one. */
    public Builder optSkipBad(boolean skipBad) {
      this.skipBad = skipBad;
      return this;
    }

    /** CSV label column, by header name or 0-based index; the default is the last column. */
    public Builder optLabelColumn(String nameOrIndex) {
      this.labelColumn = nameOrIndex;
      return this;
    }

    /** Says whether the CSV has a header row instead of detecting it. */
    public Builder optCsvHeader(boolean hasHeader) {
      this.csvHeader = hasHeader;
      return this;
    }

    /** TFRecord feature key of the encoded image (default {@value DataOptions#DEFAULT_IMAGE_KEY}). */
    public Builder optImageKey(String key) {
      this.imageKey = key;
      return this;
    }

    /** TFRecord feature key of the int64 label (default {@value DataOptions#DEFAULT_LABEL_KEY}). */
    public Builder optLabelKey(String key) {
      this.labelKey = key;
      return this;
    }

    /** TFRecord feature key of the class-name text (default {@value DataOptions#DEFAULT_TEXT_KEY}). */
    public Builder optTextKey(String key) {
      this.textKey = key;
      return this;
    }

    /** Makes TFRecords yield serialized {@code tf.Example}s, for models whose input is a string tensor. */
    public Builder optRawExamples(boolean raw) {
      this.rawExamples = raw;
      return this;
    }

    /** Builds the options. */
    public DataOptions build() {
      return new DataOptions(this);
    }
  }
}
