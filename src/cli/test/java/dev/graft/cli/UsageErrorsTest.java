package dev.graft.cli;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.stream.Stream;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.Arguments;
import org.junit.jupiter.params.provider.MethodSource;
import org.junit.jupiter.api.io.TempDir;

/**
 * Option values TensorFlow must never see (counts that crash it natively or exhaust memory), values that make no
 * sense, and options that contradict each other: each is a usage error, exit 2, named by its option, found before
 * any model is loaded (the model given does not even exist, so loading it would have said so with exit 1).
 */
class UsageErrorsTest {

  @TempDir static Path dir;

  static Stream<Arguments> cases() {
    return Stream.of(
        // counts handed to TensorFlow: a huge thread count killed the JVM in Eigen's thread pool
        Arguments.of(List.of("--threads", "2147483647"), "--threads 2147483647,0: each count must be between 0"),
        Arguments.of(List.of("--threads", "1,2147483647"), "--threads 1,2147483647"),
        Arguments.of(List.of("--threads", "-1"), "--threads -1,0"),
        Arguments.of(List.of("--threads", "1,2,3"), "--threads takes INTRA or INTRA,INTER"),
        Arguments.of(List.of("--batch-size", "2147483647"), "--batch-size must be between 1 and 65536"),
        Arguments.of(List.of("--batch-size", "0"), "--batch-size must be between 1"),
        Arguments.of(List.of("--prefetch", "2147483647"), "--prefetch must be between 0"),
        Arguments.of(List.of("--hidden", "2147483647"), "Hidden layer sizes must be between 1 and 65536"),
        Arguments.of(List.of("--hidden", "0"), "Hidden layer sizes must be between 1"),
        Arguments.of(List.of("--epochs", "0"), "--epochs must be between 1"),
        Arguments.of(List.of("--epochs", "2000000000"), "--epochs must be between 1"),
        Arguments.of(List.of("--lr", "0"), "--lr must be a positive number"),
        Arguments.of(List.of("--lr", "NaN"), "--lr must be a positive number"),
        Arguments.of(List.of("--val-split", "1"), "--val-split must be in [0, 1)"),
        Arguments.of(List.of("--version", "-3"), "--version must be a positive integer"),
        Arguments.of(List.of("--patience", "-1"), "'--patience': must be >= 0 or auto, got -1"),
        Arguments.of(List.of("--dropout", "1"), "Dropout must be in [0, 1)"),
        Arguments.of(List.of("--monitor", "loss"), "--monitor must be val_loss or val_accuracy"),
        Arguments.of(List.of("--optimizer", "adamx"), "Unknown optimizer 'adamx'"),
        Arguments.of(List.of("--train", "last:x"), "N of last:N must be a whole number"),
        Arguments.of(List.of("--export-input", "pixels"), "Export input 'pixels' is not one of drop-in"),
        // degenerate values that used to export a model silently
        Arguments.of(List.of("--preprocess", "meanstd:0/1e-40"), "so small that 1/std overflows a float"),
        Arguments.of(List.of("--class-weights", "1,-1"), "weights must be finite numbers >= 0"),
        Arguments.of(List.of("--class-weights", "0,0"), "are all zero"),
        // contradictions that used to be accepted silently
        Arguments.of(List.of("--cut-at", "a", "--cut-layer", "b"), "--cut-at a and --cut-layer b both choose the cut"),
        Arguments.of(List.of("--val-data", "fashion-mnist:test", "--val-split", "0.2"), "would split nothing"),
        Arguments.of(List.of("--unfreeze-every", "2"), "--unfreeze-every 2 unfreezes backbone layers, but --train head"),
        Arguments.of(List.of("--patience", "2", "--val-split", "0"), "leaves no validation data"),
        Arguments.of(List.of("--resume"), "--resume needs --checkpoint DIR"),
        Arguments.of(List.of("--data", "idx:only-one"), "expected idx:IMAGES,LABELS"));
  }

  @ParameterizedTest
  @MethodSource("cases")
  void isRefusedBeforeLoadingWithExitTwo(List<String> options, String message) {
    List<String> args = new ArrayList<>(List.of("retrain", "--model", dir.resolve("no-such-model").toString(),
        "--out", dir.resolve("out").toString()));
    args.addAll(options);
    CliRunner r = CliRunner.run(args.toArray(String[]::new));
    assertEquals(2, r.exitCode(), r.err());
    assertTrue(r.err().contains(message), "expected '" + message + "' in: " + r.err());
    assertTrue(r.err().contains("Run 'graft retrain --help'"), r.err());
    assertFalse(r.err().contains("no-such-model"), "nothing was loaded: " + r.err());
    assertFalse(r.err().contains("\tat "), "no stack trace: " + r.err());
    assertFalse(Files.exists(dir.resolve("out")), "nothing was written");
  }

  @ParameterizedTest
  @MethodSource("otherCommands")
  void evaluateAndPredictRefuseBadCountsToo(List<String> args, String message) {
    CliRunner r = CliRunner.run(args.toArray(String[]::new));
    assertEquals(2, r.exitCode(), r.err());
    assertTrue(r.err().contains(message), r.err());
  }

  static Stream<Arguments> otherCommands() {
    String model = "/no/such/export";
    return Stream.of(
        Arguments.of(List.of("evaluate", "--model", model, "--data", "fashion-mnist:test", "--top-k", "0"),
            "--top-k must be at least 1"),
        Arguments.of(List.of("predict", "--model", model, "--top", "-1", "x.png"), "--top and --limit must be between"),
        Arguments.of(List.of("predict", "--model", model, "--limit", "0", "x.png"), "--top and --limit must be between"),
        Arguments.of(List.of("predict", "--model", model, "idx:one"), "expected idx:IMAGES,LABELS"),
        Arguments.of(List.of("evaluate", "--model", model, "--data", "nosuch:x"), "starts with unknown reader 'nosuch:'"),
        Arguments.of(List.of("inspect", model, "--train", "last:many"), "N of last:N must be a whole number"),
        Arguments.of(List.of("inspect", model, "--cut-at", "a", "--cut-layer", "b"), "both choose the cut"));
  }
}
