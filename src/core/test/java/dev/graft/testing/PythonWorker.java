package dev.graft.testing;

import static org.junit.jupiter.api.Assertions.fail;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import java.io.BufferedReader;
import java.io.IOException;
import java.io.InputStreamReader;
import java.io.OutputStreamWriter;
import java.io.Writer;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.List;
import java.util.Map;
import java.util.concurrent.BlockingQueue;
import java.util.concurrent.LinkedBlockingQueue;
import java.util.concurrent.TimeUnit;

/**
 * One Python TensorFlow process ({@code src/python/worker.py}) that answers JSON requests, so a test
 * class imports TensorFlow once. Owned by the class that starts it; {@link #close} ends the process.
 *
 * <pre>{@code
 * try (PythonWorker python = PythonWorker.start()) {
 *   JsonNode answer = python.call(Duration.ofMinutes(1), Map.of("op", "signature", ...));
 * }
 * }</pre>
 */
public final class PythonWorker implements AutoCloseable {

  private static final ObjectMapper JSON = new ObjectMapper();
  private static final String EOF = "\u0000eof";

  private final Process process;
  private final Writer requests;
  private final BlockingQueue<String> answers = new LinkedBlockingQueue<>();
  private final Path log;
  private final String versions;

  private PythonWorker(Process process, Path log) {
    this.process = process;
    this.log = log;
    this.requests = new OutputStreamWriter(process.getOutputStream(), StandardCharsets.UTF_8);
    Thread reader = new Thread(() -> {
      try (BufferedReader in = new BufferedReader(
          new InputStreamReader(process.getInputStream(), StandardCharsets.UTF_8))) {
        for (String line = in.readLine(); line != null; line = in.readLine()) {
          answers.add(line);
        }
      } catch (IOException e) {
        // the process ended; EOF below tells the waiting call
      }
      answers.add(EOF);
    }, "python-worker-reader");
    reader.setDaemon(true);
    reader.start();
    this.versions = await(Duration.ofMinutes(2), "start").path("versions").asText();
  }

  /** Starts the worker; skips (loudly) when the Python side is not ready. */
  public static PythonWorker start() {
    PythonSide.require();
    try {
      Path log = Files.createTempFile("graft-python-worker", ".log");
      ProcessBuilder pb = new ProcessBuilder(List.of(PythonSide.python().toString(),
          PythonSide.script("worker.py").toString())).redirectError(log.toFile());
      pb.environment().put("TF_CPP_MIN_LOG_LEVEL", "2");
      pb.environment().put("PYTHONHASHSEED", "0");
      pb.environment().put("PYTHONPATH", PythonSide.script("worker.py").getParent().toString());
      return new PythonWorker(pb.start(), log);
    } catch (IOException e) {
      throw new IllegalStateException("could not start the Python worker", e);
    }
  }

  /** TensorFlow and Keras versions the worker imported. */
  public String versions() {
    return versions;
  }

  /** Sends one request and returns the answer; fails the test with Python's traceback when the request failed. */
  public JsonNode call(Duration timeout, Map<String, ?> request) {
    String op = String.valueOf(request.get("op"));
    try {
      requests.write(JSON.writeValueAsString(request) + "\n");
      requests.flush();
    } catch (IOException e) {
      fail("the Python worker does not take requests any more (" + e.getMessage() + "):\n" + logTail());
    }
    return await(timeout, op);
  }

  private JsonNode await(Duration timeout, String op) {
    String line;
    try {
      line = answers.poll(timeout.toMillis(), TimeUnit.MILLISECONDS);
    } catch (InterruptedException e) {
      Thread.currentThread().interrupt();
      throw new IllegalStateException(e);
    }
    if (line == null) {
      fail("Python request '" + op + "' did not answer in " + timeout + ":\n" + logTail());
    }
    if (line.equals(EOF)) {
      fail("the Python worker ended during request '" + op + "':\n" + logTail());
    }
    JsonNode answer;
    try {
      answer = JSON.readTree(line);
    } catch (IOException e) {
      throw new IllegalStateException("the Python worker answered no JSON: " + line, e);
    }
    if (!answer.path("ok").asBoolean(false)) {
      fail("Python request '" + op + "' failed:\n" + answer.path("error").asText(line));
    }
    return answer;
  }

  private String logTail() {
    try {
      List<String> lines = Files.readAllLines(log, StandardCharsets.UTF_8);
      return String.join("\n", lines.subList(Math.max(0, lines.size() - 40), lines.size()));
    } catch (IOException e) {
      return "(no log: " + e.getMessage() + ")";
    }
  }

  @Override
  public void close() {
    try {
      requests.close();
      if (!process.waitFor(30, TimeUnit.SECONDS)) {
        process.destroyForcibly();
      }
    } catch (IOException e) {
      process.destroyForcibly();
    } catch (InterruptedException e) {
      process.destroyForcibly();
      Thread.currentThread().interrupt();
    } finally {
      try {
        Files.deleteIfExists(log);
      } catch (IOException ignored) {
        // a temporary file
      }
    }
  }
}
