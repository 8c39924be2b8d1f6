package dev.graft.tools;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;
import static org.junit.jupiter.api.Assumptions.assumeTrue;

import java.io.IOException;
import java.io.PrintWriter;
import java.io.StringWriter;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import picocli.CommandLine;

/** The tool end to end on a small slice of the data: it writes loadable models and the same files every time. */
class MakeFixturesTest {

  @TempDir Path dir;

  private record Run(int exitCode, String out, String err) {}

  private static Run run(String... args) {
    StringWriter out = new StringWriter();
    StringWriter err = new StringWriter();
    CommandLine command = new CommandLine(new MakeFixtures());
    command.setOut(new PrintWriter(out));
    command.setErr(new PrintWriter(err));
    int code = command.execute(args);
    return new Run(code, out.toString(), err.toString());
  }

  @Test
  void writesBothFixturesAndTheSameFilesForTheSameSeed() throws IOException {
    assumeTrue(Files.isDirectory(FixturesTest.DATA), "Fashion-MNIST is not installed at " + FixturesTest.DATA);
    for (String out : List.of("a", "b")) {
      Run run = run("--out", dir.resolve(out).toString(), "--epochs", "1", "--train-limit", "640", "--seed", "7");
      assertEquals(0, run.exitCode(), run.err());
      assertTrue(run.out().contains("fashion_cnn: trained in"), run.out());
    }
    String readme = Files.readString(dir.resolve("a/README.md"));
    assertTrue(readme.contains("| `fashion_cnn` | 5000 |"), readme);
    assertTrue(readme.contains("| `fashion_mlp_tf1` | 5000 |"), readme);
    assertTrue(readme.contains("Copyright © 2017 Zalando SE"), readme);
    assertTrue(readme.contains("--epochs 1 --seed 7 --threads 2 --train-limit 640"), readme);
    assertEquals(readme.replace(dir.resolve("a").toString(), "OUT"),
        Files.readString(dir.resolve("b/README.md")).replace(dir.resolve("b").toString(), "OUT"));
    for (String file : List.of("fashion_cnn/saved_model.pb", "fashion_cnn/variables/variables.index",
        "fashion_cnn/variables/variables.data-00000-of-00001", "fashion_mlp_tf1/saved_model.pb",
        "fashion_mlp_tf1/variables/variables.index", "fashion_mlp_tf1/variables/variables.data-00000-of-00001")) {
      assertArrayEquals(Files.readAllBytes(dir.resolve("a").resolve(file)), Files.readAllBytes(dir.resolve("b").resolve(file)),
          file + " differs between two runs with the same seed");
    }
  }

  @Test
  void missingDataIsReportedWithTheOptionToFixIt() {
    Run run = run("--out", dir.toString(), "--data", dir.resolve("nowhere").toString());
    assertEquals(1, run.exitCode());
    assertEquals("Fashion-MNIST file " + dir.resolve("nowhere/train-labels-idx1-ubyte.gz") + " is missing; pass --data "
        + "with the folder that holds train-images-idx3-ubyte.gz, train-labels-idx1-ubyte.gz, t10k-images-idx3-ubyte.gz "
        + "and t10k-labels-idx1-ubyte.gz", run.err().trim());
  }
}
