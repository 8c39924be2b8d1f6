package dev.graft.data.view;

import dev.graft.data.ExampleKind;
import dev.graft.data.LabeledData;
import dev.graft.data.transform.Preprocessing;
import dev.graft.error.DataException;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.HashMap;
import java.util.List;
import java.util.Map;

/** Helpers over {@link LabeledData}: subsets, class selection, preprocessing views, label counts. */
public final class LabeledDatas {

  private LabeledDatas() {}

  /** Product of a shape's dimensions (1 for a scalar shape). */
  public static long product(long[] shape) {
    long p = 1;
    for (long d : shape) {
      p *= d;
    }
    return p;
  }

  /** Number of floats in one example of {@code data}. */
  public static long exampleSize(LabeledData data) {
    return product(data.exampleShape());
  }

  /** The examples of {@code data} at {@code indices}, in that order, with the same classes. */
  public static LabeledData subset(LabeledData data, int[] indices) {
    for (int i : indices) {
      if (i < 0 || i >= data.size()) {
        throw new IndexOutOfBoundsException("Index " + i + " is outside 0.." + (data.size() - 1) + " of " + data.describe());
      }
    }
    if (data instanceof ViewData v) {
      int[] mapped = new int[indices.length];
      for (int i = 0; i < indices.length; i++) {
        mapped[i] = v.baseIndex(indices[i]);
      }
      return new ViewData(v.base(), mapped, v.labelMap(), v.classNames());
    }
    return new ViewData(data, indices.clone(), null, data.classNames());
  }

  /**
   * Keeps the examples of the listed classes (names, or indices into {@code classNames()}) and relabels them
   * 0..K-1 in the listed order; an empty list keeps everything.
   *
   * @throws DataException if a class is unknown or listed twice
   */
  public static LabeledData selectClasses(LabeledData data, List<String> classes) {
    if (classes.isEmpty()) {
      return data;
    }
    List<String> names = data.classNames();
    Map<String, Integer> byName = new HashMap<>();
    for (int i = 0; i < names.size(); i++) {
      byName.putIfAbsent(names.get(i), i);
    }
    int[] map = new int[names.size()];
    Arrays.fill(map, -1);
    List<String> kept = new ArrayList<>();
    for (String c : classes) {
      int idx = resolveClass(data, byName, c.strip());
      if (map[idx] >= 0) {
        throw new DataException(data.describe(), "class '" + c + "' is listed twice in the classes option; list each once");
      }
      map[idx] = kept.size();
      kept.add(names.get(idx));
    }
    int n = 0;
    int[] keep = new int[data.size()];
    for (int i = 0; i < data.size(); i++) {
      if (map[data.label(i)] >= 0) {
        keep[n++] = i;
      }
    }
    int[] indices = Arrays.copyOf(keep, n);
    return view(data, indices, map, kept);
  }

  /**
   * The examples of {@code data} relabelled by class name into {@code names} (a model's labels, say): an example of
   * class {@code "Bag"} gets the index of {@code "Bag"} in {@code names}. {@code data} may hold fewer classes.
   *
   * @throws DataException naming the classes of {@code data} that {@code names} lacks
   */
  public static LabeledData mapClassesByName(LabeledData data, List<String> names) {
    int[] map = new int[data.classNames().size()];
    List<String> unknown = new ArrayList<>();
    for (int c = 0; c < map.length; c++) {
      map[c] = names.indexOf(data.classNames().get(c));
      if (map[c] < 0) {
        unknown.add(data.classNames().get(c));
      }
    }
    if (!unknown.isEmpty()) {
      throw new DataException(data.describe(), "holds classes " + unknown + " that are not among the model's classes "
          + names + "; pass {classes} with the data's classes to keep (by name: they must be among the model's), or "
          + "name the class folders as the model's labels");
    }
    int[] all = new int[data.size()];
    for (int i = 0; i < all.length; i++) {
      all[i] = i;
    }
    return view(data, all, map, names);
  }

  /**
   * Examples {@code indices} of {@code data} with their labels mapped through {@code map} into {@code names}; a view
   * of a view is composed into one view of the base data, so views never stack.
   */
  private static ViewData view(LabeledData data, int[] indices, int[] map, List<String> names) {
    if (data instanceof ViewData v) {
      int[] base = new int[indices.length];
      for (int i = 0; i < indices.length; i++) {
        base[i] = v.baseIndex(indices[i]);
      }
      int[] inner = v.labelMap();
      int[] composed = map;
      if (inner != null) {
        composed = new int[inner.length];
        for (int i = 0; i < inner.length; i++) {
          composed[i] = inner[i] < 0 ? -1 : map[inner[i]];
        }
      }
      return new ViewData(v.base(), base, composed, names);
    }
    return new ViewData(data, indices, map, names);
  }

  private static int resolveClass(LabeledData data, Map<String, Integer> byName, String c) {
    Integer idx = byName.get(c);
    if (idx != null) {
      return idx;
    }
    try {
      int i = Integer.parseInt(c);
      if (i >= 0 && i < data.classNames().size()) {
        return i;
      }
    } catch (NumberFormatException e) {
      // not an index either
    }
    throw new DataException(data.describe(), "class '" + c + "' given in the classes option is not one of "
        + data.classNames() + "; pass class names or indices 0.." + (data.classNames().size() - 1));
  }

  /**
   * A view of {@code data} that applies {@code preprocessing} to every example as it is read; {@code data} itself
   * (null included) when nothing needs scaling: string examples, or {@link Preprocessing.Mode#NONE}.
   *
   * <pre>{@code
   * LabeledData scaled = LabeledDatas.preprocessed(data, Preprocessing.unit());
   * }</pre>
   */
  public static LabeledData preprocessed(LabeledData data, Preprocessing preprocessing) {
    if (data == null || data.kind() != ExampleKind.FLOAT || preprocessing.mode() == Preprocessing.Mode.NONE) {
      return data;
    }
    return new PreprocessedData(data, preprocessing);
  }

  /** All labels of {@code data}, in order. */
  public static int[] labels(LabeledData data) {
    int[] labels = new int[data.size()];
    for (int i = 0; i < labels.length; i++) {
      labels[i] = data.label(i);
    }
    return labels;
  }

  /** Number of examples of each class. */
  public static int[] classCounts(LabeledData data) {
    int[] counts = new int[data.classNames().size()];
    for (int i = 0; i < data.size(); i++) {
      counts[data.label(i)]++;
    }
    return counts;
  }

  /**
   * Refuses data in which a class has no example: a head class without examples is never learned, and nothing would
   * say so.
   *
   * @throws DataException naming the empty classes and the examples per class
   */
  public static void requireExamplesOfEveryClass(LabeledData train) {
    int[] counts = classCounts(train);
    List<String> empty = new ArrayList<>();
    for (int c = 0; c < counts.length; c++) {
      if (counts[c] == 0) {
        empty.add("'" + train.classNames().get(c) + "'");
      }
    }
    if (empty.isEmpty()) {
      return;
    }
    String shown = empty.size() > 10 ? String.join(", ", empty.subList(0, 10)) + " and " + (empty.size() - 10)
        + " more" : String.join(", ", empty);
    boolean sparse = counts.length > 2 * (counts.length - empty.size());
    throw new DataException(train.describe(), (empty.size() == 1 ? "class " + shown + " has" : empty.size()
        + " classes (" + shown + ") have") + " no training examples (examples per class: " + describeCounts(train)
        + "). A head class without examples is never learned: pass {classes} with only the classes the data holds,"
        + " or add examples" + (sparse ? " (integer labels name classes 0..max label; a stray large label makes"
            + " many empty classes)" : "") + ".");
  }

  /**
   * The examples per class as {@code name count, name count, ...} in label order; past {@code 20} classes the rest
   * are summed up.
   */
  public static String describeCounts(LabeledData data) {
    int[] counts = classCounts(data);
    StringBuilder out = new StringBuilder();
    int shown = Math.min(counts.length, 20);
    for (int c = 0; c < shown; c++) {
      out.append(c > 0 ? ", " : "").append(data.classNames().get(c)).append(' ').append(counts[c]);
    }
    if (counts.length > shown) {
      long rest = 0;
      int empty = 0;
      for (int c = shown; c < counts.length; c++) {
        rest += counts[c];
        empty += counts[c] == 0 ? 1 : 0;
      }
      out.append(", and ").append(counts.length - shown).append(" more classes with ").append(rest)
          .append(" examples (").append(empty).append(" of them empty)");
    }
    return out.toString();
  }

  /** Reads every example into one array, example after example (for small data or feature caching). */
  public static float[] readAll(LabeledData data) {
    long each = exampleSize(data);
    long total = each * data.size();
    if (total > Integer.MAX_VALUE - 16) {
      throw new IllegalStateException(data.size() + " examples of " + each + " floats do not fit one array; "
          + "read them in batches with BatchStream");
    }
    float[] all = new float[(int) total];
    for (int i = 0; i < data.size(); i++) {
      data.readFloats(i, all, (int) (i * each));
    }
    return all;
  }
}
