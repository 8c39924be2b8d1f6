package dev.graft.bench;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.Locale;

/** What the benchmark ran on, from /proc (Linux). */
final class Machine {

  private Machine() {}

  /** CPU model, core count and memory, e.g. {@code AMD EPYC, 2 cores, 23.4 GiB}. */
  static String describe() {
    String cpu = "unknown CPU";
    for (String line : lines("/proc/cpuinfo")) {
      if (line.startsWith("model name")) {
        cpu = line.substring(line.indexOf(':') + 1).strip();
        break;
      }
    }
    double memGib = 0;
    for (String line : lines("/proc/meminfo")) {
      if (line.startsWith("MemTotal:")) {
        memGib = Long.parseLong(line.replaceAll("[^0-9]", "")) / 1048576.0;
      }
    }
    return String.format(Locale.ROOT, "%s, %d cores, %.1f GiB", cpu, Runtime.getRuntime().availableProcessors(),
        memGib);
  }

  /** The 1-minute load average (other work on the machine skews the figures). */
  static String loadAverage() {
    List<String> l = lines("/proc/loadavg");
    return l.isEmpty() ? "?" : l.get(0).split(" ")[0];
  }

  /**
   * CPU time counters at one moment, in clock ticks: the machine's busy time and steal (/proc/stat) and this
   * process's own time including the children it waited for (/proc/self/stat).
   */
  record CpuTimes(long machineBusy, long steal, long own, long wall) {

    static CpuTimes now() {
      long busy = 0;
      long steal = 0;
      for (String line : lines("/proc/stat")) {
        if (line.startsWith("cpu ")) {
          String[] f = line.strip().split("\\s+");
          // user nice system idle iowait irq softirq steal
          busy = Long.parseLong(f[1]) + Long.parseLong(f[2]) + Long.parseLong(f[3]) + Long.parseLong(f[6])
              + Long.parseLong(f[7]);
          steal = f.length > 8 ? Long.parseLong(f[8]) : 0;
        }
      }
      long own = 0;
      List<String> self = lines("/proc/self/stat");
      if (!self.isEmpty()) {
        String line = self.get(0);
        String[] f = line.substring(line.lastIndexOf(')') + 2).split(" ");
        // fields 14-17 of stat (utime stime cutime cstime) are 11-14 after the command name
        own = Long.parseLong(f[11]) + Long.parseLong(f[12]) + Long.parseLong(f[13]) + Long.parseLong(f[14]);
      }
      return new CpuTimes(busy, steal, own, System.nanoTime());
    }

    /** What happened between {@code start} and this moment, in seconds (clock ticks of 1/100 s). */
    String since(CpuTimes start) {
      double own = (this.own - start.own) / 100.0;
      double busy = (machineBusy - start.machineBusy) / 100.0;
      double steal = (this.steal - start.steal) / 100.0;
      double wall = (this.wall - start.wall) / 1e9;
      return String.format(Locale.ROOT, "%.0f core-seconds over the run: this benchmark %.0f s of CPU, other "
          + "processes %.0f s, hypervisor steal %.0f s", wall * Runtime.getRuntime().availableProcessors(), own,
          Math.max(0, busy - own), steal);
    }
  }

  /** CPU time this process has used so far, every thread (TensorFlow's native ones too), in seconds. */
  static double processCpuSeconds() {
    java.lang.management.OperatingSystemMXBean os = java.lang.management.ManagementFactory.getOperatingSystemMXBean();
    if (os instanceof com.sun.management.OperatingSystemMXBean sun) {
      return sun.getProcessCpuTime() / 1e9;
    }
    throw new IllegalStateException("This JVM reports no process CPU time (com.sun.management)");
  }

  private static List<String> lines(String file) {
    try {
      return Files.readAllLines(Path.of(file));
    } catch (IOException e) {
      return List.of();
    }
  }
}
