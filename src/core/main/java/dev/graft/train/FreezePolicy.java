package dev.graft.train;

import dev.graft.error.SettingException;
import java.util.ArrayList;
import java.util.LinkedHashSet;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.regex.Pattern;
import java.util.regex.PatternSyntaxException;

/**
 * Which backbone variables train besides the new head: {@code head} (feature extractor),
 * {@code last:N} (the last N layers that own trainable variables), {@code regex:PATTERN} (variables
 * whose names match) or {@code all} (full fine-tune). The new head always trains.
 *
 * @param kind the policy
 * @param layers N for {@code last:N}
 * @param pattern the regular expression for {@code regex:PATTERN}
 */
public record FreezePolicy(Kind kind, int layers, String pattern) {

  /** The kinds of policy. */
  public enum Kind { HEAD, LAST, REGEX, ALL }

  public FreezePolicy {
    if (kind == Kind.LAST && layers < 0) {
      throw new IllegalArgumentException("last:N needs N >= 0, got " + layers);
    }
    if (kind == Kind.REGEX) {
      try {
        Pattern.compile(pattern);
      } catch (PatternSyntaxException e) {
        throw withCause(TrainConfig.invalid("{freeze} regex:" + pattern + " is not a valid regular expression: "
            + e.getDescription()), e);
      }
    }
  }

  /** Only the new head trains. */
  public static FreezePolicy head() {
    return new FreezePolicy(Kind.HEAD, 0, null);
  }

  /** The new head and the last {@code n} backbone layers train. */
  public static FreezePolicy last(int n) {
    return new FreezePolicy(Kind.LAST, n, null);
  }

  /** Everything trains. */
  public static FreezePolicy all() {
    return new FreezePolicy(Kind.ALL, 0, null);
  }

  /** Parses {@code head}, {@code all}, {@code last:N} or {@code regex:PATTERN}. */
  public static FreezePolicy parse(String text) {
    String t = text.trim();
    if (t.equals("head")) {
      return head();
    }
    if (t.equals("all")) {
      return all();
    }
    if (t.startsWith("last:")) {
      try {
        return last(Integer.parseInt(t.substring(5)));
      } catch (NumberFormatException e) {
        throw withCause(TrainConfig.invalid("{freeze} " + t + ": N of last:N must be a whole number"), e);
      }
    }
    if (t.startsWith("regex:")) {
      return new FreezePolicy(Kind.REGEX, 0, t.substring(6));
    }
    throw TrainConfig.invalid("Unknown {freeze} policy '" + text + "'; use head, last:N, regex:PATTERN or all");
  }

  private static SettingException withCause(SettingException e, Throwable cause) {
    e.initCause(cause);
    return e;
  }

  /**
   * The backbone variables this policy trains.
   *
   * @param layers backbone layers that own trainable variables, input to output
   * @param variablesByLayer for each of {@code layers}, its trainable variables
   */
  public Set<String> select(List<String> layers, List<List<String>> variablesByLayer) {
    Set<String> chosen = new LinkedHashSet<>();
    switch (kind) {
      case HEAD -> { }
      case ALL -> variablesByLayer.forEach(chosen::addAll);
      case LAST -> {
        for (int i = Math.max(0, layers.size() - this.layers); i < layers.size(); i++) {
          chosen.addAll(variablesByLayer.get(i));
        }
      }
      case REGEX -> {
        Pattern p = Pattern.compile(pattern);
        variablesByLayer.forEach(vs -> vs.stream().filter(v -> p.matcher(v).find()).forEach(chosen::add));
      }
    }
    return chosen;
  }

  /**
   * Checks that this policy means something for a backbone with these layers: {@code last:N} with at most as many
   * layers as there are, {@code regex:P} matching at least one variable.
   *
   * @throws IllegalArgumentException naming the policy, what the backbone has, and what to pass instead
   */
  public void checkApplies(List<String> layers, List<List<String>> variablesByLayer) {
    if (kind == Kind.LAST && this.layers > layers.size()) {
      throw TrainConfig.invalid("{freeze} last:" + this.layers + " asks for " + this.layers + " backbone layers,"
          + " but the backbone has " + layers.size() + " with trainable variables" + (layers.isEmpty() ? ""
              : " (" + summary(layers) + ")") + "; pass last:" + layers.size() + " or all to train them all");
    }
    if (kind == Kind.REGEX && select(layers, variablesByLayer).isEmpty()) {
      List<String> names = new ArrayList<>();
      variablesByLayer.forEach(names::addAll);
      throw new SettingException(TrainConfig.message("{freeze} regex:" + pattern + " matches no trainable backbone "
          + "variable; their names are like " + summary(names) + " (the pattern is searched for in each name; the "
          + "model's variables are listed by {variables})").and(Map.of("variables", "LoadedModel.variables()")));
    }
  }

  private static String summary(List<String> names) {
    return names.size() <= 6 ? names.toString()
        : names.subList(0, 3) + " ... " + names.subList(names.size() - 3, names.size());
  }

  /**
   * The backbone variables trained in {@code epoch} (0-based) under gradual unfreezing: one more layer
   * from the top every {@code every} epochs, up to what this policy allows.
   */
  public Set<String> selectAt(int epoch, int every, List<String> layers, List<List<String>> variablesByLayer) {
    Set<String> allowed = select(layers, variablesByLayer);
    if (every <= 0) {
      return allowed;
    }
    int unfrozen = epoch / every;
    List<String> chosen = new ArrayList<>();
    for (int i = layers.size() - 1, taken = 0; i >= 0 && taken < unfrozen; i--) {
      List<String> group = variablesByLayer.get(i).stream().filter(allowed::contains).toList();
      if (!group.isEmpty()) {
        chosen.addAll(group);
        taken++;
      }
    }
    return new LinkedHashSet<>(chosen);
  }

  @Override
  public String toString() {
    return switch (kind) {
      case HEAD -> "head";
      case ALL -> "all";
      case LAST -> "last:" + layers;
      case REGEX -> "regex:" + pattern;
    };
  }
}
