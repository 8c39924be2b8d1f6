package dev.graft.data.spec;

import dev.graft.data.read.FashionMnist;
import java.util.ArrayList;
import java.util.List;
import java.util.Locale;

/**
 * The one-string form that names a data source and picks its reader.
 *
 * <ul>
 *   <li>{@code DIR} or {@code folder:DIR}: a folder of class folders of images
 *   <li>{@code idx:IMAGES,LABELS}: a pair of IDX files, gzipped or not
 *   <li>{@code csv:PATH} (or a path ending in {@code .csv}/{@code .tsv}): features plus label, or path,label rows
 *   <li>{@code tfrecord:PATH[,PATH...]} (or a path ending in {@code .tfrecord}); file names may hold {@code *} globs
 *   <li>{@code fashion-mnist[:train|:test]}: the installed set, else the bundled subset
 *   <li>{@code fashion-mnist-subset[:train|:test]}: always the bundled subset
 * </ul>
 *
 * @param kind which reader
 * @param paths the files or folders (empty for named sets)
 * @param split which part of a named set, else null
 */
public record DataSpec(Kind kind, List<String> paths, FashionMnist.Split split) {

  /** The readers a spec can pick. */
  public enum Kind {
    /** {@code DIR/<class>/*.jpg|png}. */
    FOLDER("folder"),
    /** {@code idx:IMAGES,LABELS}. */
    IDX("idx"),
    /** {@code csv:PATH}. */
    CSV("csv"),
    /** {@code tfrecord:PATH[,PATH...]}. */
    TFRECORD("tfrecord"),
    /** {@code fashion-mnist[:split]}. */
    FASHION_MNIST("fashion-mnist"),
    /** {@code fashion-mnist-subset[:split]}. */
    FASHION_MNIST_SUBSET("fashion-mnist-subset");

    private final String prefix;

    Kind(String prefix) {
      this.prefix = prefix;
    }

    /** The spec prefix, e.g. {@code csv}. */
    public String prefix() {
      return prefix;
    }
  }

  private static final String FORMS = "DIR, folder:DIR, idx:IMAGES,LABELS, csv:PATH, tfrecord:PATH[,PATH...],"
      + " fashion-mnist[:train|:test] or fashion-mnist-subset[:train|:test]";

  /** Creates a spec; the list is copied. */
  public DataSpec {
    paths = List.copyOf(paths);
  }

  /**
   * Parses a spec string.
   *
   * @throws IllegalArgumentException naming the forms accepted if the string fits none
   */
  public static DataSpec parse(String spec) {
    if (spec == null || spec.isBlank()) {
      throw new IllegalArgumentException("Data spec is empty; expected one of " + FORMS);
    }
    String s = spec.strip();
    for (Kind named : new Kind[] {Kind.FASHION_MNIST_SUBSET, Kind.FASHION_MNIST}) {
      if (s.equals(named.prefix) || s.startsWith(named.prefix + ":")) {
        String split = s.equals(named.prefix) ? "train" : s.substring(named.prefix.length() + 1).toLowerCase(Locale.ROOT);
        return new DataSpec(named, List.of(), switch (split) {
          case "train" -> FashionMnist.Split.TRAIN;
          case "test", "t10k" -> FashionMnist.Split.TEST;
          default -> throw new IllegalArgumentException("Data spec '" + spec + "' names split '" + split + "'; expected "
              + named.prefix + ":train or " + named.prefix + ":test");
        });
      }
    }
    int colon = s.indexOf(':');
    if (colon > 1) {
      String prefix = s.substring(0, colon).toLowerCase(Locale.ROOT);
      String rest = s.substring(colon + 1);
      for (Kind k : new Kind[] {Kind.FOLDER, Kind.IDX, Kind.CSV, Kind.TFRECORD}) {
        if (k.prefix.equals(prefix)) {
          return withPaths(spec, k, rest);
        }
      }
      if (prefix.matches("[a-z-]+")) {
        throw new IllegalArgumentException("Data spec '" + spec + "' starts with unknown reader '" + prefix
            + ":'; expected one of " + FORMS);
      }
    }
    String lower = s.toLowerCase(Locale.ROOT);
    if (lower.endsWith(".csv") || lower.endsWith(".tsv")) {
      return new DataSpec(Kind.CSV, List.of(s), null);
    }
    if (lower.endsWith(".tfrecord") || lower.endsWith(".tfrecords") || lower.endsWith(".tfrec")) {
      return new DataSpec(Kind.TFRECORD, List.of(s), null);
    }
    return new DataSpec(Kind.FOLDER, List.of(s), null);
  }

  private static DataSpec withPaths(String spec, Kind kind, String rest) {
    List<String> paths = new ArrayList<>();
    for (String p : rest.split(",")) {
      if (!p.isBlank()) {
        paths.add(p.strip());
      }
    }
    int expected = switch (kind) {
      case IDX -> 2;
      case TFRECORD -> -1;
      default -> 1;
    };
    if (paths.isEmpty() || (expected > 0 && paths.size() != expected)) {
      String form = switch (kind) {
        case IDX -> "idx:IMAGES,LABELS";
        case CSV -> "csv:PATH";
        case TFRECORD -> "tfrecord:PATH[,PATH...]";
        default -> "folder:DIR";
      };
      throw new IllegalArgumentException("Data spec '" + spec + "' has " + paths.size() + " path(s); expected " + form);
    }
    return new DataSpec(kind, paths, null);
  }

  @Override
  public String toString() {
    if (kind == Kind.FASHION_MNIST || kind == Kind.FASHION_MNIST_SUBSET) {
      return kind.prefix + ":" + split.name().toLowerCase(Locale.ROOT);
    }
    return kind.prefix + ":" + String.join(",", paths);
  }
}
