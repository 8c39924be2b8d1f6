package dev.graft.testing;

import static org.junit.jupiter.api.Assertions.fail;
import static org.junit.jupiter.api.Assumptions.assumeTrue;

import java.io.IOException;
import java.io.Reader;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Properties;
import java.util.concurrent.TimeUnit;
import java.util.stream.Stream;

/**
 * The Python side of the tests: the virtual environment with Python TensorFlow and the fixtures that
 * {@code src/python/bootstrap.sh} wrote (Maven runs it before the tests). When Python could not
 * be installed, the tests that need it are skipped with one loud line that says why; under CI
 * ({@code CI=true}) they fail instead, so a CI run cannot pass without them.
 */
public final class PythonSide {

  private static final Path PROPERTIES = Path.of("target", "python", "python.properties");
  private static final Properties STATE = read();
  private static boolean warned;

  private PythonSide() {}

  private static Properties read() {
    Properties p = new Properties();
    if (Files.isRegularFile(PROPERTIES)) {
      try (Reader r = Files.newBufferedReader(PROPERTIES, StandardCharsets.UTF_8)) {
        p.load(r);
      } catch (IOException e) {
        p.setProperty("status", "unavailable");
        p.setProperty("reason", "unreadable " + PROPERTIES + ": " + e.getMessage());
      }
    } else {
      p.setProperty("status", "unavailable");
      p.setProperty("reason", PROPERTIES + " is missing: run the tests through Maven (mvn test), which runs "
          + "src/python/bootstrap.sh first");
    }
    return p;
  }

  /** Whether Python TensorFlow and the fixtures are ready. */
  public static boolean ready() {
    return "ready".equals(STATE.getProperty("status"));
  }

  /** Skips the calling test (loudly) unless the Python side is ready; fails instead under CI. */
  public static void require() {
    if (ready()) {
      return;
    }
    String reason = "Python TensorFlow unavailable, Python-side test skipped: " + STATE.getProperty("reason");
    if ("true".equals(System.getenv("CI"))) {
      fail(reason + " (CI=true: the Python side must run in CI)");
    }
    synchronized (PythonSide.class) {
      if (!warned) {
        System.err.println("*** " + reason);
        warned = true;
      }
    }
    assumeTrue(false, reason);
  }

  /** TensorFlow and Keras versions of the environment. */
  public static String versions() {
    require();
    return STATE.getProperty("versions");
  }

  /** The folder of a Python-made fixture; skips (loudly) when the Python side is not ready. */
  public static Path fixture(String name) {
    require();
    Path dir = Path.of(STATE.getProperty("fixtures")).resolve(name);
    if (!Files.isDirectory(dir)) {
      fail("Python fixture " + name + " was not written into " + dir.getParent()
          + " (see target/python/fixtures.log)");
    }
    return dir;
  }

  /** Names of every fixture that was written. */
  public static List<String> fixtureNames() {
    if (!ready()) {
      return List.of();
    }
    try (Stream<Path> s = Files.list(Path.of(STATE.getProperty("fixtures")))) {
      return s.filter(p -> Files.isRegularFile(p.resolve("fixture.json")))
          .map(p -> p.getFileName().toString()).sorted().toList();
    } catch (IOException e) {
      throw new IllegalStateException(e);
    }
  }

  /** The environment's Python interpreter. */
  public static Path python() {
    require();
    return Path.of(STATE.getProperty("python"));
  }

  /** A script of {@code src/python}. */
  public static Path script(String name) {
    require();
    return Path.of(STATE.getProperty("scripts")).resolve(name);
  }

  /**
   * Runs a script of {@code src/python} with the environment's Python and returns its standard
   * output; fails the test with the script's output when it exits non-zero.
   */
  public static String run(Duration timeout, String scriptName, String... args) {
    require();
    List<String> command = new ArrayList<>();
    command.add(STATE.getProperty("python"));
    command.add(script(scriptName).toString());
    command.addAll(List.of(args));
    try {
      Path log = Files.createTempFile("graft-python", ".log");
      try {
        ProcessBuilder pb = new ProcessBuilder(command).redirectError(log.toFile());
        pb.environment().put("TF_CPP_MIN_LOG_LEVEL", "2");
        pb.environment().put("PYTHONHASHSEED", "0");
        Process process = pb.start();
        process.getOutputStream().close();
        byte[] out = process.getInputStream().readAllBytes();
        if (!process.waitFor(timeout.toSeconds(), TimeUnit.SECONDS)) {
          process.destroyForcibly();
          fail("Python " + command + " did not finish in " + timeout);
        }
        String stdout = new String(out, StandardCharsets.UTF_8);
        if (process.exitValue() != 0) {
          fail("Python " + command + " exited " + process.exitValue() + ":\n" + stdout + "\n"
              + Files.readString(log));
        }
        return stdout;
      } finally {
        Files.deleteIfExists(log);
      }
    } catch (IOException e) {
      throw new IllegalStateException("could not run " + command, e);
    } catch (InterruptedException e) {
      Thread.currentThread().interrupt();
      throw new IllegalStateException(e);
    }
  }
}
