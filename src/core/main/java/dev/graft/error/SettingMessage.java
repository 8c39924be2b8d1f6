package dev.graft.error;

import java.io.Serializable;
import java.util.ArrayList;
import java.util.HashSet;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.function.Function;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

/**
 * A message that names settings: each is written as {@code {field}} in the template and has a library name (the
 * setter or argument that sets it). The library says it with those names ({@link #text()}); a front end that took the
 * values under other names (command-line flags) says it with its own through {@link #render}.
 *
 * <pre>{@code
 * SettingMessage m = SettingMessage.of("TrainConfig.Builder", Map.of("epochs", "setEpochs"),
 *     "{epochs} must be at least 1, got 0");
 * m.text();                          // epochs (TrainConfig.Builder.setEpochs) must be at least 1, got 0
 * m.render(field -> "--" + field);   // --epochs must be at least 1, got 0
 * }</pre>
 *
 * <p>A token whose field has no name is left as it is, so plain text with braces passes through unchanged.
 */
public final class SettingMessage implements Serializable {

  private static final long serialVersionUID = 1L;
  private static final Pattern TOKEN = Pattern.compile("\\{([A-Za-z][A-Za-z0-9]*)}");

  private final String template;
  private final Map<String, String> names;

  private SettingMessage(String template, Map<String, String> names) {
    this.template = template;
    this.names = Map.copyOf(names);
  }

  /** Settings of {@code owner}: each field named {@code owner.setter}, as {@code TrainConfig.Builder.setEpochs}. */
  public static SettingMessage of(String owner, Map<String, String> setters, String template) {
    return new SettingMessage(template, Map.of()).and(owner, setters);
  }

  /** Settings named by {@code names}, field to library name. */
  public static SettingMessage of(Map<String, String> names, String template) {
    return new SettingMessage(template, names);
  }

  /** A message that names no setting: it renders as it is. */
  public static SettingMessage plain(String text) {
    return new SettingMessage(text, Map.of());
  }

  /** The message an exception gives: its settings when it names some ({@link NamesSettings}), else its text. */
  public static SettingMessage of(Throwable e) {
    return e instanceof NamesSettings named ? named.settingMessage() : plain(e.getMessage());
  }

  /** This message with the settings of {@code owner} too (a field this message already names keeps its name). */
  public SettingMessage and(String owner, Map<String, String> setters) {
    Map<String, String> more = new LinkedHashMap<>();
    setters.forEach((field, setter) -> more.put(field, owner + "." + setter));
    return and(more);
  }

  /** This message with the settings of {@code more} too (a field this message already names keeps its name). */
  public SettingMessage and(Map<String, String> more) {
    Map<String, String> all = new LinkedHashMap<>(more);
    all.putAll(names);
    return new SettingMessage(template, all);
  }

  /** {@code before}, this message, then {@code after}: for a message that wraps another's. */
  public SettingMessage around(String before, String after) {
    return new SettingMessage(before + template + after, names);
  }

  /** The settings the message names, by field, in the order it names them first. */
  public List<String> settings() {
    List<String> named = new ArrayList<>();
    if (template == null) {
      return named;
    }
    Matcher m = TOKEN.matcher(template);
    while (m.find()) {
      if (names.containsKey(m.group(1)) && !named.contains(m.group(1))) {
        named.add(m.group(1));
      }
    }
    return named;
  }

  /** The message with each setting written as {@code name.apply(field)}; null for a message without text. */
  public String render(Function<String, String> name) {
    if (template == null) {
      return null;
    }
    Matcher m = TOKEN.matcher(template);
    StringBuilder out = new StringBuilder();
    while (m.find()) {
      String field = m.group(1);
      m.appendReplacement(out, Matcher.quoteReplacement(names.containsKey(field) ? name.apply(field) : m.group()));
    }
    m.appendTail(out);
    return out.toString();
  }

  /** The message as the library says it: a setting with its library name where it is first named, its field after. */
  public String text() {
    Set<String> seen = new HashSet<>();
    return render(field -> seen.add(field) ? field + " (" + names.get(field) + ")" : field);
  }

  @Override
  public String toString() {
    return text();
  }
}
