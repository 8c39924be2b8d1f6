package dev.graft.bench;

import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.file.Files;
import java.nio.file.Path;

/** Resident memory of this process as Linux reports it in {@code /proc/self/status}. */
final class Rss {

  private Rss() {}

  /** Current resident set size (VmRSS) in bytes. */
  static long current() {
    return field("VmRSS:");
  }

  /** Peak resident set size so far (VmHWM) in bytes. */
  static long peak() {
    return field("VmHWM:");
  }

  private static long field(String name) {
    try {
      for (String line : Files.readAllLines(Path.of("/proc/self/status"))) {
        if (line.startsWith(name)) {
          String[] parts = line.substring(name.length()).strip().split("\\s+");
          return Long.parseLong(parts[0]) * 1024;
        }
      }
    } catch (IOException e) {
      throw new UncheckedIOException("Cannot read /proc/self/status (the benchmark measures memory on Linux only)", e);
    }
    throw new IllegalStateException("/proc/self/status has no " + name + " line");
  }

  static String mib(long bytes) {
    return String.format("%.0f MiB", bytes / 1048576.0);
  }
}
