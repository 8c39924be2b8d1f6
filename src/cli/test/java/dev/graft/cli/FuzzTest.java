package dev.graft.cli;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;
import static org.junit.jupiter.api.Assertions.fail;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import dev.graft.io.AtomicFiles;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import java.util.Random;
import java.util.TreeMap;
import java.util.concurrent.TimeUnit;
import java.util.stream.Stream;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * Mutated models and data files, a fixed seed's worth in bounded time: every run ends with exit 0 (the mutation left
 * valid input), 1 or 2, a failure says one paragraph with no trace, the JVM never crashes (no hs_err file), and a
 * failed run leaves no export and no temporary behind. Models run in a child JVM, where a native crash cannot take the
 * test run down; data files, which only Java code reads, run in this one.
 */
class FuzzTest {

  private static final long SEED = 16;
  private static final int MODEL_CASES = 36;
  private static final int DATA_CASES = 30;
  /** No new case starts after this many seconds (a loaded machine runs fewer cases, never longer). */
  private static final long BUDGET_SECONDS = 60;
  /** Fewer cases than this within the budget would test too little. */
  private static final int MIN_CASES = 8;

  @TempDir Path dir;

  /** A copy of {@code bytes} changed one of a few hostile ways: flipped bytes, cut short, blanked, spliced. */
  static byte[] mutate(byte[] bytes, Random random) {
    byte[] b = bytes.clone();
    int kind = random.nextInt(6);
    int at = b.length == 0 ? 0 : random.nextInt(b.length);
    switch (kind) {
      case 0 -> {
        for (int i = 0, n = 1 + random.nextInt(8); i < n && b.length > 0; i++) {
          b[random.nextInt(b.length)] ^= (byte) (1 + random.nextInt(255));
        }
      }
      case 1 -> b = Arrays.copyOf(b, at);
      case 2 -> Arrays.fill(b, at, Math.min(b.length, at + 1 + random.nextInt(64)), (byte) (random.nextBoolean() ? 0 : -1));
      case 3 -> {
        byte[] junk = new byte[1 + random.nextInt(32)];
        random.nextBytes(junk);
        byte[] out = new byte[b.length + junk.length];
        System.arraycopy(b, 0, out, 0, at);
        System.arraycopy(junk, 0, out, at, junk.length);
        System.arraycopy(b, at, out, at + junk.length, b.length - at);
        b = out;
      }
      case 4 -> {
        // a varint-looking run: huge lengths and counts in protobufs and headers
        for (int i = at; i < Math.min(b.length, at + 5); i++) {
          b[i] = (byte) 0xFF;
        }
      }
      default -> {
        int from = b.length == 0 ? 0 : random.nextInt(b.length);
        int len = Math.min(b.length - Math.max(from, at), 1 + random.nextInt(256));
        if (len > 0) {
          System.arraycopy(bytes, from, b, at, len);
        }
      }
    }
    return b;
  }

  @Test
  void mutatedModelsNeverCrashTheJvmAndFailWithOneParagraph() throws Exception {
    Path source = Path.of("savedmodels/fashion_cnn");
    String data = HostileFiles.idx(dir.resolve("idx"), 28, 28, HostileFiles.labels(2, 8));
    String[] parts = {"saved_model.pb", "variables/variables.index", "variables/variables.data-00000-of-00001"};
    Random random = new Random(SEED);
    List<String> cases = new ArrayList<>();
    List<String> described = new ArrayList<>();
    for (int i = 0; i < MODEL_CASES; i++) {
      Path model = HostileFiles.copyTree(source, dir.resolve("models/" + i));
      String part = parts[i % parts.length];
      Files.write(model.resolve(part), mutate(Files.readAllBytes(source.resolve(part)), random));
      boolean retrain = i % 6 == 5;
      cases.add(retrain
          ? String.join("\t", "retrain", "--model", model.toString(), "--data", data, "--epochs", "1", "--val-split",
              "0", "--out", dir.resolve("out/" + i).toString())
          : String.join("\t", "inspect", model.toString()));
      described.add((retrain ? "retrain" : "inspect") + " with a mutated " + part + " (case " + i + ")");
    }
    Path casesFile = Files.write(dir.resolve("cases.txt"), cases);
    Path progress = dir.resolve("progress.txt");
    Path results = dir.resolve("results.jsonl");
    Path work = Files.createDirectories(dir.resolve("child"));
    List<String> command = List.of(Path.of(System.getProperty("java.home"), "bin", "java").toString(),
        "-XX:ErrorFile=" + work.resolve("hs_err_%p.log"), "-Xmx1g", "-cp", System.getProperty("java.class.path"),
        FuzzDriver.class.getName(), casesFile.toString(), progress.toString(), results.toString(),
        Long.toString(BUDGET_SECONDS));
    Process child = new ProcessBuilder(command).directory(work.toFile()).redirectErrorStream(true)
        .redirectOutput(dir.resolve("child.log").toFile()).start();
    boolean finished = child.waitFor(240, TimeUnit.SECONDS);
    if (!finished) {
      child.destroyForcibly().waitFor();
    }
    List<String> started = Files.exists(progress) ? Files.readAllLines(progress) : List.of();
    String last = started.isEmpty() ? "none" : described.get(Integer.parseInt(started.get(started.size() - 1)));
    assertTrue(finished, "the fuzz run hung; last case started: " + last);
    try (Stream<Path> crashes = Files.list(work)) {
      List<Path> hsErr = crashes.filter(p -> p.getFileName().toString().startsWith("hs_err")).toList();
      assertEquals(List.of(), hsErr, "the JVM crashed in native code at: " + last);
    }
    assertEquals(0, child.exitValue(), "the child JVM died at " + last + ": " + tail(dir.resolve("child.log")));
    List<JsonNode> outcomes = read(results);
    assertEquals(started.size(), outcomes.size(), "every case started reported its outcome");
    assertTrue(outcomes.size() >= MIN_CASES, "only " + outcomes.size() + " cases ran within " + BUDGET_SECONDS + " s");
    TreeMap<Integer, Integer> byExit = new TreeMap<>();
    for (JsonNode outcome : outcomes) {
      int i = outcome.get("case").asInt();
      check(described.get(i), outcome.get("exit").asInt(), outcome.get("err").asText(), dir.resolve("out/" + i));
      byExit.merge(outcome.get("exit").asInt(), 1, Integer::sum);
    }
    System.out.println("FuzzTest models: " + outcomes.size() + " of " + MODEL_CASES + " cases, by exit code " + byExit);
  }

  @Test
  void mutatedDataFilesFailWithOneParagraphAndLeaveNothingHalfWritten() throws Exception {
    Path base = dir.resolve("base");
    String idx = HostileFiles.idx(base.resolve("idx"), 28, 28, HostileFiles.labels(2, 8));
    Path images = HostileFiles.imageFolder(base.resolve("images"), List.of("a", "b"), 4);
    List<byte[]> pngs = new ArrayList<>();
    long[] labels = new long[8];
    for (int i = 0; i < 8; i++) {
      pngs.add(HostileFiles.png(28, 28, i % 2 == 0 ? 30 : 220, i));
      labels[i] = i % 2;
    }
    Path record = HostileFiles.tfrecord(base.resolve("data.tfrecord"), pngs, labels);
    Path[] idxFiles = {Path.of(idx.substring(4).split(",")[0]), Path.of(idx.substring(4).split(",")[1])};
    Random random = new Random(SEED + 1);
    TreeMap<Integer, Integer> byExit = new TreeMap<>();
    long deadline = System.nanoTime() + BUDGET_SECONDS * 1_000_000_000L;
    int ran = 0;
    for (int i = 0; i < DATA_CASES && System.nanoTime() < deadline; i++, ran++) {
      Path caseDir = Files.createDirectories(dir.resolve("data/" + i));
      String spec;
      String what;
      switch (i % 4) {
        case 0, 1 -> {
          Path img = caseDir.resolve("images.idx");
          Path lab = caseDir.resolve("labels.idx");
          Files.copy(idxFiles[0], img);
          Files.copy(idxFiles[1], lab);
          Path target = i % 4 == 0 ? img : lab;
          Files.write(target, mutate(Files.readAllBytes(target), random));
          spec = "idx:" + img + "," + lab;
          what = "a mutated IDX " + target.getFileName();
        }
        case 2 -> {
          Path folder = caseDir.resolve("images");
          HostileFiles.copyTree(images, folder);
          Path victim = folder.resolve(random.nextBoolean() ? "a/1.png" : "b/2.png");
          Files.write(victim, mutate(Files.readAllBytes(victim), random));
          spec = folder.toString();
          what = "a mutated PNG " + victim;
        }
        default -> {
          Path file = caseDir.resolve("data.tfrecord");
          Files.write(file, mutate(Files.readAllBytes(record), random));
          spec = "tfrecord:" + file;
          what = "a mutated TFRecord";
        }
      }
      Path out = caseDir.resolve("out");
      CliRunner r = CliRunner.run("retrain", "--data", spec, "--epochs", "1", "--val-split", "0", "--out",
          out.toString());
      check(what + " (case " + i + ")", r.exitCode(), r.err(), out);
      byExit.merge(r.exitCode(), 1, Integer::sum);
    }
    assertTrue(ran >= MIN_CASES, "only " + ran + " cases ran within " + BUDGET_SECONDS + " s");
    System.out.println("FuzzTest data: " + ran + " of " + DATA_CASES + " cases, by exit code " + byExit);
  }

  /** The contract every fuzzed run keeps. */
  private static void check(String what, int exit, String err, Path out) throws IOException {
    if (exit != 0 && exit != 1 && exit != 2) {
      fail(what + " exited " + exit + ": " + err);
    }
    if (exit != 0) {
      assertTrue(err.startsWith("graft: "), what + ": " + err);
      assertTrue(!err.contains("\tat ") && !err.contains("run with --verbose for the stack trace"),
          what + " printed a trace or an unexpected error: " + err);
      long paragraphs = err.strip().lines().filter(l -> !l.startsWith("graft: warning")).count();
      assertTrue(paragraphs <= 2, what + " printed more than a paragraph: " + err);
    }
    if (Files.isDirectory(out)) {
      for (String name : HostileFiles.list(out)) {
        assertTrue(!AtomicFiles.isTempName(name), what + " left a temporary: " + name);
        assertTrue(exit == 0 || !name.matches("\\d+"), what + " failed but left export " + name);
      }
    }
  }

  private static List<JsonNode> read(Path results) throws IOException {
    List<JsonNode> out = new ArrayList<>();
    if (Files.exists(results)) {
      ObjectMapper json = new ObjectMapper();
      for (String line : Files.readAllLines(results)) {
        out.add(json.readTree(line));
      }
    }
    return out;
  }

  private static String tail(Path log) throws IOException {
    List<String> lines = Files.exists(log) ? Files.readAllLines(log) : List.of();
    return String.join("\n", lines.subList(Math.max(0, lines.size() - 20), lines.size()));
  }
}
