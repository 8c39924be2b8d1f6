package dev.graft.error;

import java.util.Map;

/**
 * Bad input data: a corrupt file, a wrong header, a bad CSV value, an unknown class.
 *
 * <p>The message names the file (and line or record where there is one), what was wrong, and what
 * the user can do about it. It may name the data settings of {@link #SETTINGS} as {@code {skipBad}},
 * {@code {classes}} or {@code {data}} (see {@link SettingMessage}): {@code getMessage()} says them with the library's
 * names, {@link #render} with a front end's.
 */
public class DataException extends IllegalArgumentException implements NamesSettings {

  /** Serialization version. */
  private static final long serialVersionUID = 1L;

  /** The library names of the data settings a message may name, by field. */
  public static final Map<String, String> SETTINGS = Map.of(
      "skipBad", "DataOptions.Builder.optSkipBad, TrainConfig.Builder.optSkipBad",
      "classes", "DataOptions.Builder.optClasses",
      "data", "DataSources.open");

  /** Hint appended to errors that skipping bad items would get past. */
  public static final String SKIP_HINT = "pass {skipBad} to skip such items";

  private final String source;
  private final SettingMessage reason;

  /** Creates an exception about {@code source} (a file name, possibly with a line or record). */
  public DataException(String source, String message) {
    this(source, message, null);
  }

  /** Creates an exception about {@code source} caused by {@code cause}. */
  public DataException(String source, String message, Throwable cause) {
    this(source, SettingMessage.of(SETTINGS, message), cause);
  }

  /** Creates an exception about {@code source} whose message names the settings of {@code message}. */
  public DataException(String source, SettingMessage message, Throwable cause) {
    super(source + ": " + message.text(), cause);
    this.source = source;
    this.reason = message;
  }

  /** The file (with line or record where there is one) the problem was found in. */
  public String source() {
    return source;
  }

  /** The message without the source prefix. */
  public String reason() {
    return reason.text();
  }

  @Override
  public SettingMessage settingMessage() {
    return reason.around(source + ": ", "");
  }
}
