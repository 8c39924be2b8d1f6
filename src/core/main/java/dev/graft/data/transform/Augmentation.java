package dev.graft.data.transform;

import java.util.Arrays;
import java.util.Random;

/**
 * Random training-time changes to HWC images (raw values 0..255): horizontal flip, crop after zero padding,
 * brightness and contrast jitter; the same {@link Random} state gives the same result.
 *
 * <pre>{@code
 * Augmentation aug = Augmentation.builder().optFlip(true).optPadCrop(4).optBrightness(0.1f).build();
 * aug.apply(pixels, new long[] {28, 28, 1}, new Random(seed));
 * }</pre>
 *
 * @param flip flip left-right with probability 1/2
 * @param pad zero-pad this many pixels on each side, then crop a random window of the original size (0: off)
 * @param brightness add a random shift in {@code [-brightness, brightness] * 255} (0: off)
 * @param contrast scale each channel's distance from its mean by a random factor in {@code [1-contrast, 1+contrast]}
 *     (0: off)
 */
public record Augmentation(boolean flip, int pad, float brightness, float contrast) {

  private static final Augmentation NONE = new Augmentation(false, 0, 0, 0);

  /** Checks the values. */
  public Augmentation {
    if (pad < 0) {
      throw new IllegalArgumentException("Crop padding " + pad + " is negative; pass 0 to turn cropping off");
    }
    if (!(brightness >= 0 && brightness <= 1)) {
      throw new IllegalArgumentException("Brightness jitter " + brightness + " is outside [0, 1] (a fraction of 255)");
    }
    if (!(contrast >= 0 && contrast < 1)) {
      throw new IllegalArgumentException("Contrast jitter " + contrast + " is outside [0, 1)");
    }
  }

  /** No augmentation. */
  public static Augmentation none() {
    return NONE;
  }

  /** A builder with everything off. */
  public static Builder builder() {
    return new Builder();
  }

  /** Whether this changes nothing. */
  public boolean isNone() {
    return !flip && pad == 0 && brightness == 0 && contrast == 0;
  }

  /** Augments {@code example} (one HWC image) in place and returns it. */
  public float[] apply(float[] example, long[] shape, Random rng) {
    apply(example, 0, shape, rng);
    return example;
  }

  /** Augments the HWC image at {@code offset} of {@code values} in place. */
  public void apply(float[] values, int offset, long[] shape, Random rng) {
    if (shape.length != 3) {
      throw new IllegalArgumentException("Augmentation works on images of shape {H, W, C}, got "
          + Arrays.toString(shape) + "; turn augmentation off for this data");
    }
    int h = (int) shape[0];
    int w = (int) shape[1];
    int c = (int) shape[2];
    if (flip && rng.nextBoolean()) {
      flip(values, offset, h, w, c);
    }
    if (pad > 0) {
      crop(values, offset, h, w, c, rng.nextInt(2 * pad + 1) - pad, rng.nextInt(2 * pad + 1) - pad);
    }
    float shift = brightness > 0 ? (rng.nextFloat() * 2 - 1) * brightness * 255f : 0f;
    float factor = contrast > 0 ? 1 + (rng.nextFloat() * 2 - 1) * contrast : 1f;
    if (shift != 0 || factor != 1) {
      jitter(values, offset, h * w, c, shift, factor);
    }
  }

  private static void flip(float[] v, int off, int h, int w, int c) {
    for (int y = 0; y < h; y++) {
      int row = off + y * w * c;
      for (int x = 0; x < w / 2; x++) {
        int a = row + x * c;
        int b = row + (w - 1 - x) * c;
        for (int k = 0; k < c; k++) {
          float t = v[a + k];
          v[a + k] = v[b + k];
          v[b + k] = t;
        }
      }
    }
  }

  /** Shifts the image by (dy, dx): output(y, x) = input(y + dy, x + dx), zero outside. */
  private static void crop(float[] v, int off, int h, int w, int c, int dy, int dx) {
    if (dy == 0 && dx == 0) {
      return;
    }
    float[] src = Arrays.copyOfRange(v, off, off + h * w * c);
    for (int y = 0; y < h; y++) {
      int sy = y + dy;
      for (int x = 0; x < w; x++) {
        int sx = x + dx;
        int d = off + (y * w + x) * c;
        if (sy < 0 || sy >= h || sx < 0 || sx >= w) {
          Arrays.fill(v, d, d + c, 0f);
        } else {
          System.arraycopy(src, (sy * w + sx) * c, v, d, c);
        }
      }
    }
  }

  private static void jitter(float[] v, int off, int pixels, int c, float shift, float factor) {
    for (int k = 0; k < c; k++) {
      double sum = 0;
      for (int i = 0; i < pixels; i++) {
        sum += v[off + i * c + k];
      }
      float mean = (float) (sum / pixels) + shift;
      for (int i = 0; i < pixels; i++) {
        int at = off + i * c + k;
        float x = (v[at] + shift - mean) * factor + mean;
        v[at] = Math.min(255f, Math.max(0f, x));
      }
    }
  }

  /** Builder of {@link Augmentation}; everything is off until set. */
  public static final class Builder {
    private boolean flip;
    private int pad;
    private float brightness;
    private float contrast;

    private Builder() {}

    /** Flips images left-right with probability 1/2. */
    public Builder optFlip(boolean flip) {
      this.flip = flip;
      return this;
    }

    /** Pads {@code pad} zero pixels on each side and crops a random window of the original size. */
    public Builder optPadCrop(int pad) {
      this.pad = pad;
      return this;
    }

    /** Adds a random brightness shift of up to {@code fraction * 255}. */
    public Builder optBrightness(float fraction) {
      this.brightness = fraction;
      return this;
    }

    /** Scales contrast by a random factor in {@code [1 - amount, 1 + amount]}. */
    public Builder optContrast(float amount) {
      this.contrast = amount;
      return this;
    }

    /** Builds the augmentation. */
    public Augmentation build() {
      return new Augmentation(flip, pad, brightness, contrast);
    }
  }
}
