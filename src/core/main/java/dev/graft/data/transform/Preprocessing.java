package dev.graft.data.transform;

import java.util.Arrays;
import java.util.Locale;

/**
 * How raw example values become model inputs, per channel: {@code y = x * scale[c] + offset[c]}.
 *
 * <p>String forms: {@code unit} ({@code x/255}), {@code symmetric} ({@code x/127.5 - 1}), {@code none}, and
 * {@code meanstd:m1,m2,m3/s1,s2,s3} ({@code (x - m)/s} on raw values; one value applies to every channel).
 *
 * <pre>{@code
 * Preprocessing p = Preprocessing.parse("meanstd:123.7,116.3,103.5/58.4,57.1,57.4");
 * float[] scale = p.scale(3);
 * float[] offset = p.offset(3);
 * }</pre>
 *
 * @param mode the kind of scaling
 * @param mean per-channel means for {@link Mode#MEAN_STD} (empty otherwise)
 * @param std per-channel standard deviations for {@link Mode#MEAN_STD} (empty otherwise)
 */
public record Preprocessing(Mode mode, float[] mean, float[] std) {

  /** The kinds of scaling. */
  public enum Mode {
    /** {@code x / 255}, to [0, 1]. */
    UNIT,
    /** {@code x / 127.5 - 1}, to [-1, 1]. */
    SYMMETRIC,
    /** {@code (x - mean[c]) / std[c]}. */
    MEAN_STD,
    /** Values as they are. */
    NONE
  }

  private static final String FORMS = "unit, symmetric, none or meanstd:M1,M2,M3/S1,S2,S3";

  /** Checks and copies the arrays. */
  public Preprocessing {
    mean = mean == null ? new float[0] : mean.clone();
    std = std == null ? new float[0] : std.clone();
    if (mode == Mode.MEAN_STD) {
      if (mean.length == 0 || mean.length != std.length) {
        throw new IllegalArgumentException("Mean/std preprocessing needs as many means as deviations (one per channel,"
            + " or one for all); got " + mean.length + " means and " + std.length + " deviations");
      }
      for (float s : std) {
        if (!(s > 0) || !Float.isFinite(s)) {
          throw new IllegalArgumentException("Standard deviation " + s + " in " + Arrays.toString(std)
              + " is not a positive number; pass deviations above 0");
        }
        if (!Float.isFinite(1f / s)) {
          throw new IllegalArgumentException("Standard deviation " + s + " in " + Arrays.toString(std)
              + " is so small that 1/std overflows a float, and every scaled value would be infinite; pass the "
              + "deviation of the raw values (about 58 for pixels 0-255)");
        }
      }
      for (int i = 0; i < mean.length; i++) {
        if (!Float.isFinite(mean[i]) || !Float.isFinite(mean[i] / std[i])) {
          throw new IllegalArgumentException("Mean " + mean[i] + " in " + Arrays.toString(mean) + " with deviation "
              + std[i] + " gives no finite offset; pass finite means of the raw values (about 120 for pixels 0-255)");
        }
      }
    } else if (mean.length != 0 || std.length != 0) {
      throw new IllegalArgumentException("Means and deviations apply only to MEAN_STD, not " + mode);
    }
  }

  /** {@code x / 255}. */
  public static Preprocessing unit() {
    return new Preprocessing(Mode.UNIT, null, null);
  }

  /** {@code x / 127.5 - 1}. */
  public static Preprocessing symmetric() {
    return new Preprocessing(Mode.SYMMETRIC, null, null);
  }

  /** No change. */
  public static Preprocessing none() {
    return new Preprocessing(Mode.NONE, null, null);
  }

  /** {@code (x - mean[c]) / std[c]} on raw values. */
  public static Preprocessing meanStd(float[] mean, float[] std) {
    return new Preprocessing(Mode.MEAN_STD, mean, std);
  }

  /**
   * Parses {@code unit}, {@code symmetric}, {@code none} or {@code meanstd:M1,M2,M3/S1,S2,S3}.
   *
   * @throws IllegalArgumentException naming the accepted forms
   */
  public static Preprocessing parse(String text) {
    String s = text == null ? "" : text.strip().toLowerCase(Locale.ROOT);
    switch (s) {
      case "unit":
        return unit();
      case "symmetric":
        return symmetric();
      case "none":
        return none();
      default:
        break;
    }
    if (s.startsWith("meanstd:")) {
      String[] parts = s.substring("meanstd:".length()).split("/");
      if (parts.length == 2) {
        return meanStd(floats(text, parts[0]), floats(text, parts[1]));
      }
    }
    throw new IllegalArgumentException("Preprocessing '" + text + "' is not one of " + FORMS);
  }

  private static float[] floats(String text, String list) {
    String[] cells = list.split(",");
    float[] out = new float[cells.length];
    for (int i = 0; i < cells.length; i++) {
      try {
        out[i] = Float.parseFloat(cells[i].strip());
      } catch (NumberFormatException e) {
        throw new IllegalArgumentException("Preprocessing '" + text + "' holds '" + cells[i] + "', expected a number;"
            + " the form is meanstd:M1,M2,M3/S1,S2,S3");
      }
    }
    return out;
  }

  /** Per-channel factor {@code scale[c]} of {@code y = x * scale[c] + offset[c]}. */
  public float[] scale(int channels) {
    float[] out = new float[channels];
    for (int c = 0; c < channels; c++) {
      out[c] = switch (mode) {
        case UNIT -> 1f / 255f;
        case SYMMETRIC -> 1f / 127.5f;
        case NONE -> 1f;
        case MEAN_STD -> 1f / std[channel(c, channels)];
      };
    }
    return out;
  }

  /** Per-channel term {@code offset[c]} of {@code y = x * scale[c] + offset[c]}. */
  public float[] offset(int channels) {
    float[] out = new float[channels];
    for (int c = 0; c < channels; c++) {
      out[c] = switch (mode) {
        case UNIT, NONE -> 0f;
        case SYMMETRIC -> -1f;
        case MEAN_STD -> -mean[channel(c, channels)] / std[channel(c, channels)];
      };
    }
    return out;
  }

  private int channel(int c, int channels) {
    if (mean.length == 1) {
      return 0;
    }
    if (mean.length != channels) {
      throw new IllegalArgumentException("Preprocessing " + this + " has " + mean.length + " means but the data has "
          + channels + " channels; give one value per channel, or one for all");
    }
    return c;
  }

  /** Applies {@code y = x * scale[c] + offset[c]} in place to HWC (or channel-last) values. */
  public void apply(float[] values, int channels) {
    apply(values, 0, values.length, channels);
  }

  /**
   * Applies {@code y = x * scale[c] + offset[c]} in place to {@code length} channel-last values of {@code values}
   * from {@code from}; one multiply-add a value (no index arithmetic when every channel is scaled alike: a 224x224
   * RGB image is 150,528 values, read for every batch).
   */
  public void apply(float[] values, int from, int length, int channels) {
    if (mode == Mode.NONE) {
      return;
    }
    float[] scale = scale(channels);
    float[] offset = offset(channels);
    int end = from + length;
    if (mode != Mode.MEAN_STD || mean.length == 1) {
      float a = scale[0];
      float b = offset[0];
      for (int i = from; i < end; i++) {
        values[i] = values[i] * a + b;
      }
      return;
    }
    for (int p = from; p < end; p += channels) {
      for (int c = 0; c < channels; c++) {
        values[p + c] = values[p + c] * scale[c] + offset[c];
      }
    }
  }

  @Override
  public boolean equals(Object o) {
    return o instanceof Preprocessing p && p.mode == mode && Arrays.equals(p.mean, mean) && Arrays.equals(p.std, std);
  }

  @Override
  public int hashCode() {
    return mode.hashCode() * 31 * 31 + Arrays.hashCode(mean) * 31 + Arrays.hashCode(std);
  }

  /** The string form, which {@link #parse} reads back to an equal value. */
  @Override
  public String toString() {
    return switch (mode) {
      case UNIT -> "unit";
      case SYMMETRIC -> "symmetric";
      case NONE -> "none";
      case MEAN_STD -> "meanstd:" + join(mean) + "/" + join(std);
    };
  }

  private static String join(float[] values) {
    StringBuilder sb = new StringBuilder();
    for (int i = 0; i < values.length; i++) {
      sb.append(i > 0 ? "," : "").append(values[i]);
    }
    return sb.toString();
  }

  /** The mean array (a copy). */
  @Override
  public float[] mean() {
    return mean.clone();
  }

  /** The deviation array (a copy). */
  @Override
  public float[] std() {
    return std.clone();
  }
}
