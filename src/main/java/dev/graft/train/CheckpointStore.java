package dev.graft.train;

import com.fasterxml.jackson.databind.ObjectMapper;
import com.google.common.io.MoreFiles;
import com.google.common.io.RecursiveDeleteOption;
import dev.graft.GraftException;
import dev.graft.graph.SaveRestoreOps;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardCopyOption;
import java.util.List;
import org.tensorflow.Graph;
import org.tensorflow.Session;
import org.tensorflow.types.TString;

/**
 * Checkpoints of a run: the trained variables with their optimizer slots, the same variables as they were after
 * the best epoch so far, and the loop's state, written to a temporary folder and renamed over the previous
 * checkpoint, so an interruption leaves either the old checkpoint or the new one.
 */
final class CheckpointStore {

  private static final String SCOPE = "graft_ckpt";
  private static final String STATE = "state.json";
  /** Checkpoint prefixes in the folder: the latest variables, and those of the best epoch. */
  private static final String LATEST = "variables";
  private static final String BEST = "best";
  private static final ObjectMapper JSON = new ObjectMapper();

  /**
   * The loop's state after {@code epochsDone} epochs, in phase {@code phase} of the plan, which began after epoch
   * {@code phaseStart}.
   */
  record State(int epochsDone, List<EpochMetrics> history, double best, int bestEpoch, int phase, int phaseStart) {}

  private final Path dir;
  private final SaveRestoreOps ops;

  CheckpointStore(Graph graph, Path dir, List<String> variables) {
    this.dir = dir;
    this.ops = SaveRestoreOps.add(graph, SCOPE, variables.stream().map(graph::operationOrThrow).toList());
  }

  /**
   * Writes the variables and state, replacing the previous checkpoint. When the epoch just done is the best so far,
   * its variables are also kept as the best epoch's; otherwise the previous checkpoint's best ones carry over.
   */
  void save(Session session, State state) {
    Path parent = dir.toAbsolutePath().getParent();
    Path temp = null;
    try {
      Files.createDirectories(parent);
      temp = Files.createTempDirectory(parent, "." + dir.getFileName() + ".tmp-");
      try (TString prefix = TString.scalarOf(temp.resolve(LATEST).toString())) {
        session.runner().feed(ops.filename(), prefix).addTarget(ops.save()).run();
      }
      if (state.bestEpoch() > 0 && state.bestEpoch() == state.epochsDone()) {
        copyCheckpoint(temp, LATEST, temp, BEST);
      } else if (state.bestEpoch() > 0 && Files.isRegularFile(dir.resolve(BEST + ".index"))) {
        copyCheckpoint(dir, BEST, temp, BEST);
      }
      JSON.writeValue(temp.resolve(STATE).toFile(), state);
      Path old = null;
      if (Files.exists(dir)) {
        old = parent.resolve("." + dir.getFileName() + ".old-" + System.nanoTime());
        Files.move(dir, old, StandardCopyOption.ATOMIC_MOVE);
      }
      Files.move(temp, dir, StandardCopyOption.ATOMIC_MOVE);
      temp = null;
      if (old != null) {
        MoreFiles.deleteRecursively(old, RecursiveDeleteOption.ALLOW_INSECURE);
      }
    } catch (IOException e) {
      throw new UncheckedIOException("Writing the checkpoint " + dir + " failed: " + e.getMessage(), e);
    } finally {
      if (temp != null) {
        try {
          MoreFiles.deleteRecursively(temp, RecursiveDeleteOption.ALLOW_INSECURE);
        } catch (IOException ignored) {
          // best effort
        }
      }
    }
  }

  /** Restores the variables and returns the state, or null when no checkpoint exists yet. */
  State restore(Session session) {
    Path state = dir.resolve(STATE);
    if (!Files.isRegularFile(state)) {
      return null;
    }
    try {
      State loaded = JSON.readValue(state.toFile(), State.class);
      restore(session, LATEST);
      return loaded;
    } catch (IOException | RuntimeException e) {
      throw new GraftException("Cannot resume from checkpoint " + dir + ": " + e.getMessage()
          + ". It may come from another model or head; delete it or drop --resume.", e);
    }
  }

  /**
   * Sets the variables to those of the best epoch the checkpoint recorded; false (and nothing changed) when it holds
   * none.
   */
  boolean restoreBest(Session session) {
    if (!Files.isRegularFile(dir.resolve(BEST + ".index"))) {
      return false;
    }
    restore(session, BEST);
    return true;
  }

  private void restore(Session session, String name) {
    try (TString prefix = TString.scalarOf(dir.resolve(name).toString())) {
      session.runner().feed(ops.filename(), prefix).addTarget(ops.restore()).run();
    }
  }

  /**
   * Puts the files of checkpoint {@code from/fromName} at {@code to/toName} (the index names no files): hard links,
   * since checkpoint files are never rewritten, so carrying the best epoch over costs no copy; a copy where the file
   * system has no links.
   */
  private static void copyCheckpoint(Path from, String fromName, Path to, String toName) throws IOException {
    try (var files = Files.list(from)) {
      for (Path file : files.toList()) {
        String name = file.getFileName().toString();
        if (name.startsWith(fromName + ".")) {
          Path target = to.resolve(toName + name.substring(fromName.length()));
          try {
            Files.createLink(target, file);
          } catch (UnsupportedOperationException | IOException e) {
            Files.copy(file, target);
          }
        }
      }
    }
  }
}
