package dev.graft.data.transform;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;

import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.ValueSource;

class PreprocessingTest {

  @Test
  void scaleAndOffsetPerMode() {
    assertArrayEquals(new float[] {1 / 255f, 1 / 255f}, Preprocessing.unit().scale(2));
    assertArrayEquals(new float[] {0, 0}, Preprocessing.unit().offset(2));
    float[] x = {0, 127.5f, 255};
    Preprocessing.symmetric().apply(x, 1);
    assertArrayEquals(new float[] {-1, 0, 1}, x, 1e-6f);
    assertArrayEquals(new float[] {1}, Preprocessing.none().scale(1));
    Preprocessing ms = Preprocessing.parse("meanstd:10,20,30/2,4,5");
    assertArrayEquals(new float[] {0.5f, 0.25f, 0.2f}, ms.scale(3));
    assertArrayEquals(new float[] {-5, -5, -6}, ms.offset(3));
  }

  @Test
  void appliesToARangeOfChannelLastValues() {
    float[] values = {7, 10, 20, 30, 12, 24, 35, 7};
    Preprocessing.parse("meanstd:10,20,30/2,4,5").apply(values, 1, 6, 3);
    assertArrayEquals(new float[] {7, 0, 0, 0, 1, 1, 1, 7}, values, 1e-6f, "only values 1..6 change, per channel");
    float[] pixels = {0, 255, 51, 102};
    Preprocessing.unit().apply(pixels, 0, 4, 2);
    assertArrayEquals(new float[] {0, 1, 0.2f, 0.4f}, pixels, 1e-6f);
    float[] raw = {3, 4};
    Preprocessing.none().apply(raw, 0, 2, 1);
    assertArrayEquals(new float[] {3, 4}, raw);
  }

  @Test
  void oneMeanAppliesToEveryChannel() {
    Preprocessing p = Preprocessing.parse("meanstd:127.5/127.5");
    assertArrayEquals(Preprocessing.symmetric().scale(3), p.scale(3), 1e-9f);
    assertArrayEquals(Preprocessing.symmetric().offset(3), p.offset(3), 1e-9f);
    assertThrows(IllegalArgumentException.class, () -> Preprocessing.parse("meanstd:1,2/3,4").scale(3));
  }

  @ParameterizedTest
  @ValueSource(strings = {"unit", "symmetric", "none", "meanstd:123.675,116.28,103.53/58.395,57.12,57.375",
      "meanstd:0.1/1.0E-4"})
  void toStringRoundTrips(String text) {
    Preprocessing p = Preprocessing.parse(text);
    assertEquals(p, Preprocessing.parse(p.toString()));
    assertEquals(p.toString(), Preprocessing.parse(p.toString()).toString());
  }

  @ParameterizedTest
  @ValueSource(strings = {"", "scale", "meanstd:1,2", "meanstd:1,x/2,3", "meanstd:1/0"})
  void rejectsBadText(String text) {
    assertThrows(IllegalArgumentException.class, () -> Preprocessing.parse(text));
  }
}
