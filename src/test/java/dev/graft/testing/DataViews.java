package dev.graft.testing;

import dev.graft.data.DataException;
import dev.graft.data.ExampleKind;
import dev.graft.data.LabeledData;
import java.util.List;
import java.util.function.IntPredicate;
import java.util.function.IntUnaryOperator;

/** Views of test data that change one thing: which examples fail to read, or what labels say. */
public final class DataViews {

  private DataViews() {}

  /** {@code data}, except that reading an example {@code unreadable} accepts throws a {@link DataException}. */
  public static LabeledData unreadableWhere(LabeledData data, IntPredicate unreadable) {
    return view(data, data::label, unreadable);
  }

  /** {@code data} with example {@code i} labelled {@code label.applyAsInt(i)}. */
  public static LabeledData relabeled(LabeledData data, IntUnaryOperator label) {
    return view(data, label, i -> false);
  }

  private static LabeledData view(LabeledData data, IntUnaryOperator label, IntPredicate unreadable) {
    return new LabeledData() {
      @Override
      public int size() {
        return data.size();
      }

      @Override
      public long[] exampleShape() {
        return data.exampleShape();
      }

      @Override
      public ExampleKind kind() {
        return data.kind();
      }

      @Override
      public List<String> classNames() {
        return data.classNames();
      }

      @Override
      public int label(int index) {
        return label.applyAsInt(index);
      }

      @Override
      public void readFloats(int index, float[] dst, int offset) {
        if (unreadable.test(index)) {
          throw new DataException("example " + index, "unreadable on purpose");
        }
        data.readFloats(index, dst, offset);
      }
    };
  }
}
