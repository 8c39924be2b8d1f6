package dev.graft.data.view;

import dev.graft.data.LabeledData;
import dev.graft.error.DataException;
import java.util.function.IntPredicate;
import java.util.function.IntUnaryOperator;

/** Views of test data that change one thing: which examples fail to read, or what labels say. */
public final class DataViews {

  private DataViews() {}

  /** {@code data}, except that reading an example {@code unreadable} accepts throws a {@link DataException}. */
  public static LabeledData unreadableWhere(LabeledData data, IntPredicate unreadable) {
    return new ForwardingLabeledData(data) {
      @Override
      public void readFloats(int index, float[] dst, int offset) {
        if (unreadable.test(index)) {
          throw new DataException("example " + index, "unreadable on purpose");
        }
        super.readFloats(index, dst, offset);
      }
    };
  }

  /** {@code data} with example {@code i} labelled {@code label.applyAsInt(i)}. */
  public static LabeledData relabeled(LabeledData data, IntUnaryOperator label) {
    return new ForwardingLabeledData(data) {
      @Override
      public int label(int index) {
        return label.applyAsInt(index);
      }
    };
  }
}
