package dev.graft.error;

import java.util.List;
import java.util.function.Function;

/**
 * An exception whose message may name settings (see {@link SettingMessage}): {@code getMessage()} says them with the
 * library's names, {@link #render} with a front end's.
 *
 * <pre>{@code
 * catch (RuntimeException e) {
 *   String shown = e instanceof NamesSettings n ? n.render(flags::get) : e.getMessage();
 * }
 * }</pre>
 */
public interface NamesSettings {

  /** The message's template and the library names of the settings it names (none for a plain message). */
  SettingMessage settingMessage();

  /** The settings the message names, by field, in the order it names them first. */
  default List<String> settings() {
    return settingMessage().settings();
  }

  /** The whole message with each setting written as {@code name.apply(field)}. */
  default String render(Function<String, String> name) {
    return settingMessage().render(name);
  }
}
