package dev.graft.cli;

import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.dataformat.yaml.YAMLFactory;
import dev.graft.error.GraftException;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Collection;
import java.util.LinkedHashMap;
import java.util.Map;
import java.util.Set;
import java.util.stream.Collectors;
import picocli.CommandLine;
import picocli.CommandLine.Model.ArgSpec;
import picocli.CommandLine.Model.OptionSpec;

/**
 * Option values from a job file ({@code --config job.yaml} or JSON): keys are option names without
 * dashes ({@code epochs: 5}, {@code train: last:2}, {@code hidden: [256, 128]}); options given on the
 * command line win.
 */
final class ConfigDefaults implements CommandLine.IDefaultValueProvider {

  private final Path file;
  private final Map<String, Object> values;

  private ConfigDefaults(Path file, Map<String, Object> values) {
    this.file = file;
    this.values = values;
  }

  /** Reads a YAML or JSON job file and checks every key names an option of {@code command}. */
  static ConfigDefaults read(Path file, CommandLine command) {
    if (!Files.isRegularFile(file)) {
      throw new GraftException("Config file " + file + " does not exist; pass a YAML or JSON file to --config.");
    }
    Map<String, Object> values;
    try {
      ObjectMapper mapper = file.toString().endsWith(".json") ? new ObjectMapper() : new ObjectMapper(new YAMLFactory());
      @SuppressWarnings("unchecked")
      Map<String, Object> read = mapper.readValue(file.toFile(), LinkedHashMap.class);
      values = read == null ? Map.of() : read;
    } catch (IOException e) {
      throw new GraftException("Config file " + file + " is not valid YAML/JSON: " + e.getMessage(), e);
    }
    Set<String> known = command.getCommandSpec().options().stream().map(ConfigDefaults::key).collect(Collectors.toSet());
    for (String key : values.keySet()) {
      if (!known.contains(key)) {
        throw new GraftException("Config file " + file + " sets '" + key + "', which is no option of 'graft "
            + command.getCommandName() + "'; options: " + known.stream().sorted().toList());
      }
    }
    return new ConfigDefaults(file, values);
  }

  private static String key(OptionSpec option) {
    return option.longestName().replaceFirst("^-+", "");
  }

  @Override
  public String defaultValue(ArgSpec arg) {
    if (!(arg instanceof OptionSpec option)) {
      return null;
    }
    Object value = values.get(key(option));
    if (value == null) {
      return null;
    }
    if (value instanceof Collection<?> list) {
      return list.stream().map(String::valueOf).collect(Collectors.joining(","));
    }
    return String.valueOf(value);
  }

  /** Whether the job file sets {@code key} (an option name without dashes). */
  boolean sets(String key) {
    return values.get(key) != null;
  }

  /** The job file. */
  Path file() {
    return file;
  }
}
