package dev.graft.cli;

import com.fasterxml.jackson.databind.ObjectMapper;
import java.io.PrintWriter;
import java.io.StringWriter;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardOpenOption;
import java.util.List;
import java.util.Map;

/**
 * Run in a child JVM by {@link FuzzTest}: runs each command line of a cases file (arguments separated by tabs) in
 * this process, and appends one JSON line per case to the results file; before each case it appends the case
 * number to the progress file, so a crash of the JVM names the case that caused it.
 */
public final class FuzzDriver {

  private FuzzDriver() {}

  /** Arguments: cases file, progress file, results file, seconds after which no new case starts. */
  public static void main(String[] args) throws Exception {
    List<String> cases = Files.readAllLines(Path.of(args[0]));
    Path progress = Path.of(args[1]);
    Path results = Path.of(args[2]);
    long deadline = System.nanoTime() + Long.parseLong(args[3]) * 1_000_000_000L;
    ObjectMapper json = new ObjectMapper();
    for (int i = 0; i < cases.size() && System.nanoTime() < deadline; i++) {
      Files.writeString(progress, i + "\n", StandardCharsets.UTF_8, StandardOpenOption.CREATE,
          StandardOpenOption.APPEND, StandardOpenOption.SYNC);
      String[] command = cases.get(i).split("\t");
      StringWriter out = new StringWriter();
      StringWriter err = new StringWriter();
      var cli = GraftCli.newCommandLine();
      cli.setOut(new PrintWriter(out));
      cli.setErr(new PrintWriter(err));
      int code;
      try {
        code = GraftCli.execute(cli, command);
      } catch (Throwable t) {
        code = 99;
        err.write("escaped the command line: " + t);
      }
      Files.writeString(results, json.writeValueAsString(Map.of("case", i, "exit", code, "err", err.toString()))
          + "\n", StandardCharsets.UTF_8, StandardOpenOption.CREATE, StandardOpenOption.APPEND);
    }
  }
}
