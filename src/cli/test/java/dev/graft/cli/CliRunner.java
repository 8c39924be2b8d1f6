package dev.graft.cli;

import java.io.PrintWriter;
import java.io.StringWriter;
import picocli.CommandLine;

/** Runs the command line in-process and keeps its exit code and output. */
record CliRunner(int exitCode, String out, String err) {

  static CliRunner run(String... args) {
    CommandLine cli = GraftCli.newCommandLine();
    StringWriter out = new StringWriter();
    StringWriter err = new StringWriter();
    cli.setOut(new PrintWriter(out));
    cli.setErr(new PrintWriter(err));
    int code = GraftCli.execute(cli, args);
    return new CliRunner(code, out.toString(), err.toString());
  }
}
