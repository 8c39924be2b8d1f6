package dev.graft.data.read.internal;

/**
 * Resizes HWC float images (bilinear, half-pixel centers as {@code tf.image.resize}) and converts gray and RGB.
 */
public final class ImageShaper {

  /** Luminance weights of {@code tf.image.rgb_to_grayscale}. */
  private static final float WR = 0.2989f;
  private static final float WG = 0.5870f;
  private static final float WB = 0.1140f;

  private ImageShaper() {}

  /**
   * Writes {@code src} ({@code h x w x c}) resized and converted to {@code th x tw x tc} into {@code dst} at
   * {@code offset}.
   */
  public static void shape(float[] src, int h, int w, int c, float[] dst, int offset, int th, int tw, int tc) {
    if (h == th && w == tw) {
      convert(src, 0, h * w, c, dst, offset, tc);
      return;
    }
    if (c == tc) {
      resize(src, h, w, c, dst, offset, th, tw);
      return;
    }
    if (c > tc) {
      float[] gray = new float[h * w * tc];
      convert(src, 0, h * w, c, gray, 0, tc);
      resize(gray, h, w, tc, dst, offset, th, tw);
    } else {
      float[] tmp = new float[th * tw * c];
      resize(src, h, w, c, tmp, 0, th, tw);
      convert(tmp, 0, th * tw, c, dst, offset, tc);
    }
  }

  /** The gray value of an RGB pixel, with {@code tf.image.rgb_to_grayscale}'s weights. */
  static float gray(float r, float g, float b) {
    return WR * r + WG * g + WB * b;
  }

  /** Converts {@code pixels} pixels from {@code c} to {@code tc} channels (1 or 3 each). */
  public static void convert(float[] src, int srcOff, int pixels, int c, float[] dst, int dstOff, int tc) {
    if (c == tc) {
      System.arraycopy(src, srcOff, dst, dstOff, pixels * c);
    } else if (c == 1 && tc == 3) {
      for (int i = 0; i < pixels; i++) {
        float v = src[srcOff + i];
        int d = dstOff + 3 * i;
        dst[d] = v;
        dst[d + 1] = v;
        dst[d + 2] = v;
      }
    } else if (c == 3 && tc == 1) {
      for (int i = 0; i < pixels; i++) {
        int s = srcOff + 3 * i;
        dst[dstOff + i] = gray(src[s], src[s + 1], src[s + 2]);
      }
    } else {
      throw new IllegalArgumentException("Cannot convert " + c + " channels to " + tc + "; expected 1 or 3 channels");
    }
  }

  /** Bilinear resize of an {@code h x w x c} image to {@code th x tw x c}. */
  public static void resize(float[] src, int h, int w, int c, float[] dst, int offset, int th, int tw) {
    int[] y0 = new int[th];
    int[] y1 = new int[th];
    float[] fy = new float[th];
    axis(h, th, y0, y1, fy);
    int[] x0 = new int[tw];
    int[] x1 = new int[tw];
    float[] fx = new float[tw];
    axis(w, tw, x0, x1, fx);
    int d = offset;
    for (int y = 0; y < th; y++) {
      int r0 = y0[y] * w;
      int r1 = y1[y] * w;
      float wy = fy[y];
      for (int x = 0; x < tw; x++) {
        int a = (r0 + x0[x]) * c;
        int b = (r0 + x1[x]) * c;
        int e = (r1 + x0[x]) * c;
        int f = (r1 + x1[x]) * c;
        float wx = fx[x];
        for (int k = 0; k < c; k++) {
          float top = src[a + k] + (src[b + k] - src[a + k]) * wx;
          float bottom = src[e + k] + (src[f + k] - src[e + k]) * wx;
          dst[d++] = top + (bottom - top) * wy;
        }
      }
    }
  }

  private static void axis(int in, int out, int[] lo, int[] hi, float[] frac) {
    float scale = (float) in / out;
    for (int o = 0; o < out; o++) {
      float pos = (o + 0.5f) * scale - 0.5f;
      int floor = (int) Math.floor(pos);
      frac[o] = pos - floor;
      lo[o] = Math.max(Math.min(floor, in - 1), 0);
      hi[o] = Math.max(Math.min(floor + 1, in - 1), 0);
    }
  }
}
