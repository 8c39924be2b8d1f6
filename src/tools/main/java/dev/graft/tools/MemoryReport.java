package dev.graft.tools;

import java.io.IOException;
import java.io.UncheckedIOException;
import java.lang.management.ManagementFactory;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Locale;
import java.util.concurrent.Callable;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import java.util.stream.Stream;
import picocli.CommandLine;
import picocli.CommandLine.Command;
import picocli.CommandLine.Option;
import picocli.CommandLine.Parameters;

/**
 * Runs {@code graft retrain} in a fresh JVM on the training images listed once and listed again and again (a CSV of
 * {@code path,label} rows repeating the file list), and prints each run's peak resident memory (VmHWM, read from
 * {@code /proc} while it runs): whether memory grows with the data.
 *
 * <pre>
 * java -cp "target/graft.jar:target/lib/*" dev.graft.tools.MemoryReport --data DIR --repeats 1,11 -- \
 *     --model MODEL --val-data VAL --preprocess symmetric
 * </pre>
 */
@Command(name = "memory-report", mixinStandardHelpOptions = true,
    description = "Peak RSS of retrain on the training file list repeated 1, 11, ... times, each in its own JVM.")
public final class MemoryReport implements Callable<Integer> {

  @Option(names = "--data", required = true, description = "A folder of class folders of training images.")
  Path data;
  @Option(names = "--repeats", split = ",", defaultValue = "1,11", description = "How often the file list repeats.")
  List<Integer> repeats;
  @Option(names = "--jvm", split = " ", description = "Options of the child JVM (default: none, Java's own heap sizing).")
  List<String> jvm = new ArrayList<>();
  @Parameters(description = "Further retrain options (--model, --val-data, --preprocess, ...).")
  List<String> retrain = new ArrayList<>();

  private static final Pattern RESULT = Pattern.compile("result +validation accuracy ([0-9.]+), balanced accuracy "
      + "([0-9.]+)");

  public static void main(String[] args) {
    System.exit(new CommandLine(new MemoryReport()).execute(args));
  }

  @Override
  public Integer call() throws Exception {
    Path work = Files.createTempDirectory("graft-memory-report");
    List<String> rows = new ArrayList<>();
    rows.add("| training images | peak RSS (VmHWM) | wall time | validation accuracy | balanced accuracy |");
    rows.add("|---|---|---|---|---|");
    for (int r : repeats) {
      Path csv = work.resolve("train-x" + r + ".csv");
      int count = writeList(csv, data, r);
      List<String> command = new ArrayList<>(List.of(Path.of(System.getProperty("java.home"), "bin", "java")
          .toString()));
      command.addAll(jvm);
      command.addAll(List.of("-cp", ManagementFactory.getRuntimeMXBean().getClassPath(), "dev.graft.cli.GraftCli",
          "retrain", "--data", "csv:" + csv, "--out", work.resolve("runs-x" + r).toString()));
      command.addAll(retrain);
      Path log = work.resolve("retrain-x" + r + ".log");
      long start = System.nanoTime();
      Process process = new ProcessBuilder(command).redirectErrorStream(true).redirectOutput(log.toFile()).start();
      long peak = 0;
      while (process.isAlive()) {
        peak = Math.max(peak, kib(process.pid(), "VmHWM"));
        Thread.sleep(200);
      }
      double seconds = (System.nanoTime() - start) / 1e9;
      String out = Files.readString(log);
      if (process.exitValue() != 0) {
        System.err.println(out);
        throw new IllegalStateException("retrain on " + csv + " exited " + process.exitValue() + "; its log: " + log);
      }
      Matcher m = RESULT.matcher(out);
      String acc = m.find() ? m.group(1) + " | " + m.group(2) : "? | ?";
      rows.add(String.format(Locale.ROOT, "| %,d (file list x%d) | %,d MiB | %.0f s | %s |", count, r,
          peak / 1024, seconds, acc));
      System.out.println(rows.get(rows.size() - 1));
    }
    System.out.printf("%nretrain %s, child JVM options %s, logs in %s%n", String.join(" ", retrain),
        jvm.isEmpty() ? "none" : jvm, work);
    rows.forEach(System.out::println);
    return 0;
  }

  /**
   * Writes the images of the class folders of {@code dir} as {@code path,label} rows, the whole list {@code times}
   * times; returns the number of rows.
   */
  private static int writeList(Path csv, Path dir, int times) throws IOException {
    List<String> rows = new ArrayList<>();
    try (Stream<Path> classes = Files.list(dir)) {
      for (Path cls : classes.filter(Files::isDirectory).sorted().toList()) {
        try (Stream<Path> files = Files.walk(cls)) {
          for (Path f : files.filter(Files::isRegularFile).sorted().toList()) {
            String name = f.getFileName().toString().toLowerCase(Locale.ROOT);
            if (name.endsWith(".jpg") || name.endsWith(".jpeg") || name.endsWith(".png")) {
              rows.add(f.toAbsolutePath() + "," + cls.getFileName());
            }
          }
        }
      }
    }
    StringBuilder text = new StringBuilder("path,label\n");
    for (int t = 0; t < times; t++) {
      rows.forEach(row -> text.append(row).append('\n'));
    }
    Files.writeString(csv, text, StandardCharsets.UTF_8);
    return rows.size() * times;
  }

  /** A {@code /proc/PID/status} field in KiB; 0 once the process is gone. */
  private static long kib(long pid, String field) {
    try {
      for (String line : Files.readAllLines(Path.of("/proc", Long.toString(pid), "status"))) {
        if (line.startsWith(field + ":")) {
          return Long.parseLong(line.replaceAll("[^0-9]", ""));
        }
      }
    } catch (IOException | UncheckedIOException e) {
      return 0;
    }
    return 0;
  }
}
