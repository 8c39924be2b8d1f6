package dev.graft.error;

import java.util.Map;

/**
 * A setting of a library builder that is out of range or contradicts another: the message names each setting by its
 * field and setter ({@code epochs (TrainConfig.Builder.setEpochs) must be ...}), and a front end that took the value
 * under another name (a command-line flag) renders the same message with its own names through {@link #render}.
 *
 * <pre>{@code
 * catch (SettingException e) {
 *   System.err.println(e.render(setting -> "--" + setting));
 * }
 * }</pre>
 */
public final class SettingException extends IllegalArgumentException implements NamesSettings {

  private static final long serialVersionUID = 1L;

  private final SettingMessage message;

  /**
   * A problem with settings of {@code owner}.
   *
   * @param owner the builder the settings belong to ({@code TrainConfig.Builder})
   * @param setters the setter method of each setting, by field name
   * @param template the message, each setting written as {@code {field}}
   */
  public SettingException(String owner, Map<String, String> setters, String template) {
    this(SettingMessage.of(owner, setters, template));
  }

  /** A problem with the settings {@code message} names. */
  public SettingException(SettingMessage message) {
    super(message.text());
    this.message = message;
  }

  @Override
  public SettingMessage settingMessage() {
    return message;
  }
}
