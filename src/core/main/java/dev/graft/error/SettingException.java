package dev.graft.error;

import java.util.ArrayList;
import java.util.HashSet;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.function.Function;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

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
public final class SettingException extends IllegalArgumentException {

  private static final Pattern TOKEN = Pattern.compile("\\{([A-Za-z][A-Za-z0-9]*)}");

  private final String owner;
  private final Map<String, String> setters;
  private final String template;

  /**
   * A problem with settings of {@code owner}.
   *
   * @param owner the builder the settings belong to ({@code TrainConfig.Builder})
   * @param setters the setter method of each setting, by field name
   * @param template the message, each setting written as {@code {field}}
   */
  public SettingException(String owner, Map<String, String> setters, String template) {
    super(template);
    this.owner = owner;
    this.setters = Map.copyOf(setters);
    this.template = template;
  }

  /** The settings the message names, by field name, in the order it names them first. */
  public List<String> settings() {
    List<String> named = new ArrayList<>();
    Matcher m = TOKEN.matcher(template);
    while (m.find()) {
      if (setters.containsKey(m.group(1)) && !named.contains(m.group(1))) {
        named.add(m.group(1));
      }
    }
    return named;
  }

  /** The message with each setting written as {@code name.apply(field)}. */
  public String render(Function<String, String> name) {
    Matcher m = TOKEN.matcher(template);
    StringBuilder out = new StringBuilder();
    while (m.find()) {
      String field = m.group(1);
      m.appendReplacement(out, Matcher.quoteReplacement(setters.containsKey(field) ? name.apply(field) : m.group()));
    }
    m.appendTail(out);
    return out.toString();
  }

  /** The message as the library says it: a setting with its setter where it is first named, its field after. */
  @Override
  public String getMessage() {
    Set<String> seen = new HashSet<>();
    return render(field -> seen.add(field) ? field + " (" + owner + "." + setters.get(field) + ")" : field);
  }
}
