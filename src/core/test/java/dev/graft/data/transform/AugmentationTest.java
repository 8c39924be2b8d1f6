package dev.graft.data.transform;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.graft.data.TestData;
import java.util.Arrays;
import java.util.Random;
import org.junit.jupiter.api.Test;

class AugmentationTest {

  private static final long[] SHAPE = {6, 5, 3};
  private final float[] image = TestData.pixels(new Random(9), 6 * 5 * 3);
  private final Augmentation all = Augmentation.builder().optFlip(true).optPadCrop(2).optBrightness(0.2f)
      .optContrast(0.3f).build();

  @Test
  void sameSeedSameResultOtherSeedsDiffer() {
    float[] a = all.apply(image.clone(), SHAPE, new Random(1));
    assertArrayEquals(a, all.apply(image.clone(), SHAPE, new Random(1)));
    int differing = 0;
    for (int s = 2; s < 12; s++) {
      differing += Arrays.equals(a, all.apply(image.clone(), SHAPE, new Random(s))) ? 0 : 1;
    }
    assertTrue(differing >= 9);
  }

  @Test
  void flipMirrorsEachRow() {
    Augmentation flip = Augmentation.builder().optFlip(true).build();
    Random rng = new Random(0);
    boolean flipped = false;
    for (int t = 0; t < 10 && !flipped; t++) {
      float[] out = flip.apply(image.clone(), SHAPE, rng);
      if (!Arrays.equals(out, image)) {
        flipped = true;
        for (int y = 0; y < 6; y++) {
          for (int x = 0; x < 5; x++) {
            for (int c = 0; c < 3; c++) {
              assertEquals(image[(y * 5 + x) * 3 + c], out[(y * 5 + 4 - x) * 3 + c]);
            }
          }
        }
      }
    }
    assertTrue(flipped);
  }

  @Test
  void padCropShiftsAndFillsZeros() {
    Augmentation crop = Augmentation.builder().optPadCrop(1).build();
    float[] ones = new float[6 * 5 * 3];
    Arrays.fill(ones, 7);
    Random rng = new Random(4);
    for (int t = 0; t < 20; t++) {
      float[] out = crop.apply(ones.clone(), SHAPE, rng);
      for (float v : out) {
        assertTrue(v == 0 || v == 7);
      }
      int zeros = (int) java.util.stream.IntStream.range(0, out.length).filter(i -> out[i] == 0).count();
      assertTrue(zeros % 3 == 0 && zeros <= (6 + 5 - 1) * 3, "zeros " + zeros);
    }
  }

  @Test
  void jitterStaysInPixelRange() {
    Augmentation jitter = Augmentation.builder().optBrightness(1f).optContrast(0.9f).build();
    Random rng = new Random(2);
    for (int t = 0; t < 20; t++) {
      for (float v : jitter.apply(image.clone(), SHAPE, rng)) {
        assertTrue(v >= 0 && v <= 255);
      }
    }
  }

  @Test
  void noneChangesNothingAndBadValuesAreRefused() {
    assertTrue(Augmentation.none().isNone());
    assertArrayEquals(image, Augmentation.none().apply(image.clone(), SHAPE, new Random(1)));
    assertFalse(all.isNone());
    assertThrows(IllegalArgumentException.class, () -> Augmentation.builder().optPadCrop(-1).build());
    assertThrows(IllegalArgumentException.class, () -> all.apply(new float[4], new long[] {4}, new Random(1)));
  }
}
