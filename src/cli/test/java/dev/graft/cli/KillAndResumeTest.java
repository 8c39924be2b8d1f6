package dev.graft.cli;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.graft.io.AtomicFiles;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.TimeUnit;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import java.util.stream.Stream;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * A run killed with SIGKILL while it trains and checkpoints, then resumed, exports the very weights of a run that was
 * never interrupted, with early stopping and the best epoch's weights in play.
 */
class KillAndResumeTest {

  private static final Pattern EPOCH_FOLDER = Pattern.compile("epoch-(\\d+)");

  @TempDir Path dir;

  @Test
  void aRunKilledMidTrainingResumesToTheUninterruptedRunsWeights() throws Exception {
    String data = HostileFiles.idx(dir.resolve("idx"), 28, 28, HostileFiles.labels(3, 60));
    Path checkpoint = dir.resolve("ckpt");
    List<String> options = List.of("retrain", "--data", data, "--epochs", "8", "--train", "last:1", "--lr", "0.003",
        "--monitor", "val_loss", "--patience", "3", "--val-split", "0.2", "--batch-size", "16");
    List<String> whole = new ArrayList<>(options);
    whole.addAll(List.of("--out", dir.resolve("whole").toString()));
    CliRunner uninterrupted = CliRunner.run(whole.toArray(String[]::new));
    assertEquals(0, uninterrupted.exitCode(), uninterrupted.err());

    List<String> command = new ArrayList<>(List.of(Path.of(System.getProperty("java.home"), "bin", "java").toString(),
        "-cp", System.getProperty("java.class.path"), GraftCli.class.getName()));
    command.addAll(options);
    command.addAll(List.of("--checkpoint", checkpoint.toString(), "--out", dir.resolve("killed").toString()));
    Process child = new ProcessBuilder(command).directory(Path.of("").toAbsolutePath().toFile())
        .redirectErrorStream(true).redirectOutput(dir.resolve("child.log").toFile()).start();
    long deadline = System.nanoTime() + TimeUnit.SECONDS.toNanos(180);
    // a checkpoint folder lives only until the next one is complete, which on a fast machine is a few milliseconds:
    // wait for any folder of the second epoch or later, not for epoch-00002 itself
    while (newestEpoch(checkpoint) < 2 && child.isAlive() && System.nanoTime() < deadline) {
      Thread.sleep(2);
    }
    assertTrue(child.isAlive(), "the run ended before it could be killed: " + Files.readString(dir.resolve("child.log")));
    child.destroyForcibly().waitFor();
    assertTrue(!Files.exists(dir.resolve("killed/1")), "killed before its export");

    List<String> again = new ArrayList<>(options);
    again.addAll(List.of("--checkpoint", checkpoint.toString(), "--resume", "--out", dir.resolve("resumed").toString()));
    CliRunner resumed = CliRunner.run(again.toArray(String[]::new));
    assertEquals(0, resumed.exitCode(), resumed.err());
    String variables = "1/variables/variables.data-00000-of-00001";
    assertArrayEquals(Files.readAllBytes(dir.resolve("whole").resolve(variables)),
        Files.readAllBytes(dir.resolve("resumed").resolve(variables)), "the resumed run exports the same weights");
    for (String name : HostileFiles.list(checkpoint)) {
      assertTrue(!AtomicFiles.isTempName(name), "the killed save's temporary is gone: " + name);
    }
  }

  /** The highest epoch of the complete checkpoint folders in {@code checkpoint}; -1 while there is none. */
  private static int newestEpoch(Path checkpoint) {
    try (Stream<Path> folders = Files.list(checkpoint)) {
      return folders.map(p -> EPOCH_FOLDER.matcher(p.getFileName().toString()))
          .filter(Matcher::matches).mapToInt(m -> Integer.parseInt(m.group(1))).max().orElse(-1);
    } catch (IOException e) {
      return -1; // not made yet
    }
  }
}
