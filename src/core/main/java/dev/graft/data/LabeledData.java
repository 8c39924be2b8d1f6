package dev.graft.data;

import dev.graft.error.DataException;
import java.util.List;

/**
 * A random-access set of labelled examples, possibly read lazily from disk.
 *
 * <p>Implementations are safe for concurrent reads. {@code readFloats} and {@code readBytes} throw
 * {@link DataException} for an item that turns out to be bad when read.
 *
 * <pre>{@code
 * LabeledData data = DataSources.open("images/", DataOptions.builder().optTargetShape(96, 96, 3).build());
 * float[] x = new float[(int) LabeledDatas.exampleSize(data)];
 * data.readFloats(0, x, 0);
 * }</pre>
 */
public interface LabeledData {

  /** Number of examples. */
  int size();

  /** Shape of one example: {@code {H, W, C}} for images, {@code {nFeatures}} for CSV, {@code {}} for strings. */
  long[] exampleShape();

  /** Whether examples are float arrays or byte strings. */
  ExampleKind kind();

  /**
   * Whether the float values are pixels 0..255 of decoded images, which
   * {@link dev.graft.data.transform.Preprocessing} scales for a model, rather than numbers to use as they are (the
   * feature columns of a CSV).
   */
  default boolean pixelValues() {
    return kind() == ExampleKind.FLOAT;
  }

  /** Class names; label {@code i} is {@code classNames().get(i)}. */
  List<String> classNames();

  /** Label of example {@code index}, in {@code 0 .. classNames().size() - 1}. */
  int label(int index);

  /**
   * Writes the raw values of example {@code index} (pixels 0..255, CSV numbers as they are) to
   * {@code dst} from {@code offset}; writes as many values as the product of {@link #exampleShape()}.
   */
  void readFloats(int index, float[] dst, int offset);

  /** The example as a byte string (for {@link ExampleKind#STRING}: a serialized {@code tf.Example}). */
  default byte[] readBytes(int index) {
    throw new UnsupportedOperationException(
        "This data holds " + kind() + " examples, not byte strings; call readFloats instead");
  }

  /** Number of items left out while opening because they were bad (with skipping asked for). */
  default int skipped() {
    return skippedItems().size();
  }

  /** The items left out while opening, with the reason for each. */
  default List<SkippedItem> skippedItems() {
    return List.of();
  }

  /** What names example {@code index} in output: its file where it has one, else {@code #index}. */
  default String exampleName(int index) {
    return "#" + index;
  }

  /** A short description of where the data comes from, for logs and messages. */
  default String describe() {
    return getClass().getSimpleName();
  }
}
