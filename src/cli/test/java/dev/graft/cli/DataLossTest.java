package dev.graft.cli;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.graft.io.AtomicFiles;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.attribute.PosixFilePermissions;
import java.util.ArrayList;
import java.util.List;
import java.util.TreeMap;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.TestInstance;
import org.junit.jupiter.api.io.TempDir;

/** What Graft writes never costs the user anything Graft did not write, and what it writes appears whole. */
@TestInstance(TestInstance.Lifecycle.PER_CLASS)
class DataLossTest {

  @TempDir static Path dir;
  private String data;

  @BeforeAll
  void tinyData() {
    data = HostileFiles.idx(dir.resolve("idx"), 28, 28, HostileFiles.labels(2, 30));
  }

  private CliRunner retrain(String... extra) {
    List<String> args = new ArrayList<>(List.of("retrain", "--data", data, "--epochs", "1", "--val-split", "0.2"));
    args.addAll(List.of(extra));
    return CliRunner.run(args.toArray(String[]::new));
  }

  @Test
  void aCheckpointPathThatIsNotAGraftCheckpointIsRefusedAndLeftAsItWas() throws Exception {
    Path folder = Files.createDirectories(dir.resolve("my-data"));
    Files.writeString(folder.resolve("notes.txt"), "ten years of notes");
    Path file = Files.writeString(dir.resolve("a-file.txt"), "keep me");
    for (Path target : List.of(folder, file, Path.of("savedmodels/fashion_cnn"))) {
      TreeMap<String, String> before = HostileFiles.fingerprint(target);
      CliRunner r = retrain("--checkpoint", target.toString(), "--out", dir.resolve("out").toString());
      assertEquals(1, r.exitCode(), r.err());
      assertTrue(r.err().contains("Graft does not"), r.err());
      assertEquals(before, HostileFiles.fingerprint(target), "nothing under " + target + " changed");
    }
    assertFalse(Files.exists(dir.resolve("out")), "refused before training");
  }

  @Test
  void aGraftCheckpointOfAnEarlierRunIsNotOverwrittenWithoutResume() throws Exception {
    Path checkpoint = dir.resolve("ckpt-earlier");
    assertEquals(0, retrain("--checkpoint", checkpoint.toString(), "--out", dir.resolve("e1").toString()).exitCode());
    assertTrue(Files.isRegularFile(checkpoint.resolve("epoch-00001/state.json")));
    TreeMap<String, String> before = HostileFiles.fingerprint(checkpoint);
    CliRunner again = retrain("--checkpoint", checkpoint.toString(), "--out", dir.resolve("e2").toString());
    assertEquals(1, again.exitCode());
    assertTrue(again.err().contains("holds a checkpoint of an earlier run (epoch-00001). Pass --resume"), again.err());
    assertEquals(before, HostileFiles.fingerprint(checkpoint));
  }

  @Test
  void resumeRefusesAMissingFolderOrOneWithoutACheckpointInsteadOfStartingOver() throws Exception {
    CliRunner missing = retrain("--checkpoint", dir.resolve("never-written").toString(), "--resume");
    assertEquals(1, missing.exitCode());
    assertTrue(missing.err().contains("does not exist, so there is nothing to resume"), missing.err());
    Path empty = Files.createDirectories(dir.resolve("empty-ckpt"));
    CliRunner nothing = retrain("--checkpoint", empty.toString(), "--resume");
    assertEquals(1, nothing.exitCode());
    assertTrue(nothing.err().contains("holds no complete checkpoint"), nothing.err());
  }

  @Test
  void aPlotThatCannotBeWrittenAfterAGoodExportIsAWarning() throws Exception {
    Path out = dir.resolve("plots-fail");
    // a folder where the loss plot goes: the plot cannot be renamed into place
    Files.createDirectories(out.resolve("v1-loss.png").resolve("in-the-way"));
    CliRunner r = retrain("--out", out.toString());
    assertEquals(0, r.exitCode(), r.err());
    assertTrue(r.err().contains("graft: warning: the plots were not written"), r.err());
    assertTrue(Files.isRegularFile(out.resolve("1/saved_model.pb")));
    assertTrue(Files.isRegularFile(out.resolve("v1-metrics.csv")));
    assertTrue(Files.isDirectory(out.resolve("v1-loss.png/in-the-way")), "what was in the way is untouched");
    for (String name : HostileFiles.list(out)) {
      assertFalse(AtomicFiles.isTempName(name), "no temporary file is left: " + name);
    }
  }

  @Test
  void exportsHaveTheUmasksPermissionsAndTakeTheNextVersionAfterAHugeOne() throws Exception {
    Path out = Files.createDirectories(dir.resolve("versions"));
    Files.createDirectory(out.resolve("99999999999"));
    Path reference = Files.createDirectory(dir.resolve("reference"));
    CliRunner r = retrain("--out", out.toString());
    assertEquals(0, r.exitCode(), r.err());
    Path export = out.resolve("100000000000");
    assertTrue(Files.isRegularFile(export.resolve("saved_model.pb")), HostileFiles.list(out).toString());
    String expected = PosixFilePermissions.toString(Files.getPosixFilePermissions(reference));
    for (Path folder : List.of(export, export.resolve("variables"), export.resolve("assets"))) {
      assertEquals(expected, PosixFilePermissions.toString(Files.getPosixFilePermissions(folder)),
          folder + " gets the permissions of any folder this process makes (umask), not owner-only");
    }
  }

  @Test
  void aVersionTooLargeToCountOnIsRefusedBeforeTraining() throws Exception {
    Path out = Files.createDirectories(dir.resolve("versions-huge"));
    Files.createDirectory(out.resolve("9".repeat(30)));
    CliRunner r = retrain("--out", out.toString());
    assertEquals(1, r.exitCode());
    assertTrue(r.err().contains("has a number too large to count on from"), r.err());
  }

  @Test
  void stalePartialExportsOfKilledRunsAreRemovedAndNothingElse() throws Exception {
    Path out = Files.createDirectories(dir.resolve("stale"));
    Process gone = new ProcessBuilder("true").start();
    gone.waitFor();
    long deadPid = gone.pid();
    Path stale = Files.createDirectory(out.resolve(".1.tmp-" + deadPid + "-abc123def"));
    Files.writeString(stale.resolve(AtomicFiles.PARTIAL_MARKER), "{\"writer\":\"graft\",\"host\":\""
        + java.net.InetAddress.getLocalHost().getHostName() + "\",\"pid\":" + deadPid + ",\"start\":\"\"}");
    Files.writeString(stale.resolve("saved_model.pb"), "half");
    Path foreign = Files.createDirectory(out.resolve(".1.tmp-" + deadPid + "-zzz999yyy"));
    Files.writeString(foreign.resolve("mine.txt"), "not Graft's: no marker");
    CliRunner r = retrain("--out", out.toString());
    assertEquals(0, r.exitCode(), r.err());
    assertFalse(Files.exists(stale), "the killed export's leftovers are gone");
    assertTrue(Files.isRegularFile(foreign.resolve("mine.txt")), "a look-alike without Graft's marker stays");
  }
}
