package dev.graft.head;

/**
 * Where the user wants the old head cut off, overriding the search: an op output, or the output of a named
 * layer; {@link #none()} leaves the choice to {@link HeadLocator}.
 *
 * <pre>{@code
 * GraftModel model = Graft.load(Path.of("savedmodels/fashion_cnn"), CutChoice.layer("flatten"));
 * }</pre>
 *
 * @param cutAt an op output {@code OP[:INDEX]}, or null
 * @param cutLayer a layer name whose output is the cut, or null
 */
public record CutChoice(String cutAt, String cutLayer) {

  /** No choice: locate the head automatically. */
  public static CutChoice none() {
    return new CutChoice(null, null);
  }

  /** Cut at the output of the named layer. */
  public static CutChoice layer(String name) {
    return new CutChoice(null, name);
  }

  /** Cut at an op output, {@code OP[:INDEX]}. */
  public static CutChoice op(String cutAt) {
    return new CutChoice(cutAt, null);
  }

  /** Whether the user chose the cut. */
  public boolean given() {
    return cutAt != null || cutLayer != null;
  }
}
