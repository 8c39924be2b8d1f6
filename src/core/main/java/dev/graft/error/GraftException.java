package dev.graft.error;

/**
 * A failure the user can act on: the message names what was expected, what was found and the way out.
 *
 * <p>A message that names a setting as the way out is made from a {@link SettingMessage}: {@code getMessage()} names
 * the setting as the library does, and a front end renders it with its own names (the command line with its flags).
 * The command line prints the message alone (no stack trace) and exits with status 1.
 */
public class GraftException extends RuntimeException implements NamesSettings {

  private static final long serialVersionUID = 1L;

  private final SettingMessage message;

  public GraftException(String message) {
    this(SettingMessage.plain(message));
  }

  public GraftException(String message, Throwable cause) {
    this(SettingMessage.plain(message), cause);
  }

  /** A failure whose message names the settings of {@code message}. */
  public GraftException(SettingMessage message) {
    super(message.text());
    this.message = message;
  }

  /** A failure caused by {@code cause} whose message names the settings of {@code message}. */
  public GraftException(SettingMessage message, Throwable cause) {
    super(message.text(), cause);
    this.message = message;
  }

  @Override
  public SettingMessage settingMessage() {
    return message;
  }
}
