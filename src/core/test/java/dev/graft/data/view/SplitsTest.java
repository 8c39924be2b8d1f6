package dev.graft.data.view;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertThrows;

import dev.graft.data.LabeledData;
import dev.graft.data.TestData;
import dev.graft.data.read.InMemoryData;
import java.util.Arrays;
import java.util.HashSet;
import java.util.List;
import java.util.Set;
import org.junit.jupiter.api.Test;

class SplitsTest {

  /** 100 examples of class 0, 50 of class 1, 1 of class 2; value = index. */
  private static LabeledData data() {
    int n = 151;
    int[] labels = new int[n];
    float[] values = new float[n];
    for (int i = 0; i < n; i++) {
      labels[i] = i < 100 ? 0 : i < 150 ? 1 : 2;
      values[i] = i;
    }
    return InMemoryData.of(values, new long[] {1}, labels, List.of("a", "b", "c"));
  }

  private static int[] values(LabeledData d) {
    int[] out = new int[d.size()];
    for (int i = 0; i < d.size(); i++) {
      out[i] = (int) TestData.read(d, i)[0];
    }
    return out;
  }

  @Test
  void holdsOutTheFractionOfEachClass() {
    Splits.Split s = Splits.stratified(data(), 0.2, 7);
    assertArrayEquals(new int[] {20, 10, 0}, LabeledDatas.classCounts(s.val()));
    assertArrayEquals(new int[] {80, 40, 1}, LabeledDatas.classCounts(s.train()));
    Set<Integer> all = new HashSet<>();
    Arrays.stream(values(s.train())).forEach(all::add);
    Arrays.stream(values(s.val())).forEach(all::add);
    assertEquals(151, all.size());
    assertEquals(List.of("a", "b", "c"), s.val().classNames());
  }

  @Test
  void sameSeedSameSplitOtherSeedOther() {
    int[] a = values(Splits.stratified(data(), 0.2, 7).val());
    assertArrayEquals(a, values(Splits.stratified(data(), 0.2, 7).val()));
    assertFalse(Arrays.equals(a, values(Splits.stratified(data(), 0.2, 8).val())));
  }

  @Test
  void zeroFractionKeepsAllForTraining() {
    Splits.Split s = Splits.stratified(data(), 0, 1);
    assertEquals(0, s.val().size());
    assertEquals(151, s.train().size());
  }

  @Test
  void badFractionIsRefused() {
    assertThrows(IllegalArgumentException.class, () -> Splits.stratified(data(), 1.0, 1));
    assertThrows(IllegalArgumentException.class, () -> Splits.stratified(data(), Double.NaN, 1));
  }
}
