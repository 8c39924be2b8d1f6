package dev.graft.data.view;

import dev.graft.data.ExampleKind;
import dev.graft.data.LabeledData;
import dev.graft.data.read.InMemoryData;
import dev.graft.data.transform.Preprocessing;
import dev.graft.error.DataException;
import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertSame;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.util.List;
import org.junit.jupiter.api.Test;

class LabeledDatasTest {

  private final LabeledData data = InMemoryData.of(new float[] {0, 1, 2, 3, 4, 5}, new long[] {1},
      new int[] {0, 1, 2, 0, 1, 2}, List.of("a", "b", "c"));

  @Test
  void selectClassesRemapsInListedOrder() {
    LabeledData sel = LabeledDatas.selectClasses(data, List.of("c", "0"));
    assertEquals(List.of("c", "a"), sel.classNames());
    assertArrayEquals(new int[] {1, 0, 1, 0}, LabeledDatas.labels(sel));
    assertArrayEquals(new float[] {0, 2, 3, 5}, LabeledDatas.readAll(sel));
  }

  @Test
  void selectionOfSubsetAndSubsetOfSelectionCompose() {
    LabeledData sub = LabeledDatas.subset(data, new int[] {5, 4, 3});
    LabeledData sel = LabeledDatas.selectClasses(sub, List.of("b", "c"));
    assertArrayEquals(new float[] {5, 4}, LabeledDatas.readAll(sel));
    assertArrayEquals(new int[] {1, 0}, LabeledDatas.labels(sel));
    LabeledData again = LabeledDatas.selectClasses(sel, List.of("c"));
    assertArrayEquals(new int[] {0}, LabeledDatas.labels(again));
    assertArrayEquals(new float[] {5}, LabeledDatas.readAll(LabeledDatas.subset(again, new int[] {0})));
  }

  @Test
  void unknownOrRepeatedClassIsRefused() {
    DataException e = assertThrows(DataException.class, () -> LabeledDatas.selectClasses(data, List.of("z")));
    assertTrue(e.getMessage().contains("class 'z' given in the classes option is not one of [a, b, c]"),
        e.getMessage());
    assertThrows(DataException.class, () -> LabeledDatas.selectClasses(data, List.of("3")));
    assertThrows(DataException.class, () -> LabeledDatas.selectClasses(data, List.of("a", "0")));
  }

  @Test
  void preprocessedScalesEachChannelAsItReads() {
    LabeledData pixels = InMemoryData.of(new float[] {1, 2, 5, 10, 0, 255}, new long[] {1, 2},
        new int[] {0, 1, 0}, List.of("a", "b"));
    Preprocessing meanStd = Preprocessing.meanStd(new float[] {1, 2}, new float[] {2, 4});
    LabeledData scaled = LabeledDatas.preprocessed(pixels, meanStd);
    assertArrayEquals(new float[] {0, 0, 2, 2, -0.5f, 63.25f}, LabeledDatas.readAll(scaled));
    assertArrayEquals(new long[] {1, 2}, scaled.exampleShape());
    assertArrayEquals(new int[] {0, 1, 0}, LabeledDatas.labels(scaled));
    assertEquals(List.of("a", "b"), scaled.classNames());
    assertEquals("in-memory data scaled meanstd:1.0,2.0/2.0,4.0", scaled.describe());
    assertArrayEquals(new float[] {1 / 255f, 2 / 255f, 5 / 255f, 10 / 255f, 0, 1},
        LabeledDatas.readAll(LabeledDatas.preprocessed(pixels, Preprocessing.unit())), 1e-7f);
    assertThrows(UnsupportedOperationException.class, () -> scaled.readBytes(0));
  }

  @Test
  void preprocessedPassesStringsNoneAndNullThrough() {
    LabeledData strings = new ForwardingLabeledData(data) {
      @Override
      public ExampleKind kind() {
        return ExampleKind.STRING;
      }
    };
    assertSame(strings, LabeledDatas.preprocessed(strings, Preprocessing.unit()));
    assertSame(data, LabeledDatas.preprocessed(data, Preprocessing.none()));
    assertNull(LabeledDatas.preprocessed(null, Preprocessing.unit()));
  }
}
