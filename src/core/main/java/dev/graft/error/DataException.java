package dev.graft.error;

/**
 * Bad input data: a corrupt file, a wrong header, a bad CSV value, an unknown class.
 *
 * <p>The message names the file (and line or record where there is one), what was wrong, and what
 * the user can do about it.
 */
public class DataException extends IllegalArgumentException {

  /** Serialization version. */
  private static final long serialVersionUID = 1L;

  /** Hint appended to errors that skipping bad items would get past. */
  public static final String SKIP_HINT = "pass --skip-bad to skip such items";

  private final String source;

  /** Creates an exception about {@code source} (a file name, possibly with a line or record). */
  public DataException(String source, String message) {
    this(source, message, null);
  }

  /** Creates an exception about {@code source} caused by {@code cause}. */
  public DataException(String source, String message, Throwable cause) {
    super(source + ": " + message, cause);
    this.source = source;
  }

  /** The file (with line or record where there is one) the problem was found in. */
  public String source() {
    return source;
  }

  /** The message without the source prefix. */
  public String reason() {
    String m = getMessage();
    return m.substring(source.length() + 2);
  }
}
