package dev.graft.model;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;

/**
 * How many more threads the operating system lets this process start: the soft process limit ({@code ulimit -u},
 * which Linux counts in threads) less the threads this process runs already. TensorFlow aborts the whole process
 * when it cannot start a thread of its pools, so thread counts are checked against this first.
 */
final class ThreadLimit {

  private ThreadLimit() {}

  /** The spare threads, or {@link Long#MAX_VALUE} when the limit is unlimited or cannot be read. */
  static long spareThreads() {
    long limit = softProcessLimit();
    if (limit == Long.MAX_VALUE) {
      return limit;
    }
    // Other processes of the same user count against the same limit; leave a margin for them and for the JVM.
    return Math.max(0, limit - ownThreads() - 64);
  }

  private static long softProcessLimit() {
    try {
      List<String> lines = Files.readAllLines(Path.of("/proc/self/limits"));
      for (String line : lines) {
        if (line.startsWith("Max processes")) {
          String soft = line.substring("Max processes".length()).trim().split("\\s+")[0];
          return soft.equals("unlimited") ? Long.MAX_VALUE : Long.parseLong(soft);
        }
      }
    } catch (IOException | RuntimeException e) {
      // not Linux, or no /proc: no limit known
    }
    return Long.MAX_VALUE;
  }

  private static long ownThreads() {
    try {
      for (String line : Files.readAllLines(Path.of("/proc/self/status"))) {
        if (line.startsWith("Threads:")) {
          return Long.parseLong(line.substring("Threads:".length()).trim());
        }
      }
    } catch (IOException | RuntimeException e) {
      // fall back to the JVM's count
    }
    return Thread.activeCount();
  }
}
