package dev.graft.bench;

import java.io.BufferedReader;
import java.io.File;
import java.io.IOException;
import java.io.InputStreamReader;
import java.lang.management.ManagementFactory;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;

/**
 * Runs a benchmark part in a fresh JVM with this JVM's class path and options, so that its memory figures and
 * native thread pools are its own. The child reports through {@code RESULT key=value} lines on stdout; its other
 * output goes to this process's stderr.
 */
final class ChildJvm {

  private static final String PREFIX = "RESULT ";

  private ChildJvm() {}

  /** Prints one result line (called in the child). */
  static void result(String key, String value) {
    System.out.println(PREFIX + key + "=" + value);
    System.out.flush();
  }

  /** This JVM's class path. */
  static String classPath() {
    return System.getProperty("java.class.path");
  }

  /**
   * This JVM's class path with JavaCPP's Java classes swapped for the version nd4j-native was built against (the
   * jar the {@code bench} profile copies and names in {@code graft.bench.dl4jJavacpp}).
   */
  static String dl4jClassPath() {
    String jar = System.getProperty("graft.bench.dl4jJavacpp");
    if (jar == null || !Files.isRegularFile(Path.of(jar))) {
      throw new IllegalStateException("System property graft.bench.dl4jJavacpp names no JavaCPP jar (" + jar
          + "); run the benchmark through 'mvn -Pbench verify', which copies it to target/bench-lib");
    }
    List<String> entries = new ArrayList<>();
    entries.add(jar);
    for (String entry : classPath().split(File.pathSeparator)) {
      if (!Path.of(entry).getFileName().toString().matches("javacpp-[0-9.]+\\.jar")) {
        entries.add(entry);
      }
    }
    return String.join(File.pathSeparator, entries);
  }

  /**
   * Runs {@code main} with this JVM's options plus {@code jvmArgs}, and {@code args}; returns its results and fails
   * when the child exits non-zero.
   */
  static Map<String, String> run(Class<?> main, List<String> jvmArgs, List<String> args, Map<String, String> env,
      String classPath) {
    List<String> command = new ArrayList<>();
    command.add(Path.of(System.getProperty("java.home"), "bin", "java").toString());
    command.addAll(ManagementFactory.getRuntimeMXBean().getInputArguments());
    command.addAll(jvmArgs);
    command.add("-cp");
    command.add(classPath);
    command.add(main.getName());
    command.addAll(args);
    return exec(main.getSimpleName(), command, env);
  }

  /**
   * Runs {@code command} with {@code env} added to this process's environment; returns its {@code RESULT} lines
   * and fails when it exits non-zero. Its other output goes to this process's stderr.
   */
  static Map<String, String> exec(String what, List<String> command, Map<String, String> env) {
    ProcessBuilder builder = new ProcessBuilder(command).redirectError(ProcessBuilder.Redirect.INHERIT);
    builder.environment().putAll(env);
    Map<String, String> results = new LinkedHashMap<>();
    try {
      Process process = builder.start();
      try (BufferedReader out = new BufferedReader(new InputStreamReader(process.getInputStream(),
          StandardCharsets.UTF_8))) {
        String line;
        while ((line = out.readLine()) != null) {
          if (line.startsWith(PREFIX)) {
            int eq = line.indexOf('=');
            results.put(line.substring(PREFIX.length(), eq), line.substring(eq + 1));
          } else {
            System.err.println(line);
          }
        }
      }
      int code = process.waitFor();
      if (code != 0) {
        throw new IllegalStateException(what + " exited with code " + code + " (its output is above)");
      }
    } catch (IOException e) {
      throw new IllegalStateException("Cannot start " + command.get(0) + " for " + what, e);
    } catch (InterruptedException e) {
      Thread.currentThread().interrupt();
      throw new IllegalStateException("Interrupted while waiting for " + what, e);
    }
    return results;
  }

  static double number(Map<String, String> results, String key) {
    String v = results.get(key);
    if (v == null) {
      throw new IllegalStateException("The child process reported no '" + key + "'; it reported " + results.keySet());
    }
    return Double.parseDouble(v);
  }
}
