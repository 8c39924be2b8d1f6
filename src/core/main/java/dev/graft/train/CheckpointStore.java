package dev.graft.train;

import com.fasterxml.jackson.databind.ObjectMapper;
import dev.graft.error.GraftException;
import dev.graft.graph.ReservedNames;
import dev.graft.graph.SaveRestoreOps;
import dev.graft.io.AtomicFiles;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.Map;
import org.tensorflow.Graph;
import org.tensorflow.Session;
import org.tensorflow.types.TString;

/**
 * Checkpoints of a run in a {@link CheckpointFolder}: the trained variables with their optimizer slots, the same
 * variables as they were after the best epoch so far, and the loop's state. Each checkpoint is written to a
 * temporary folder and renamed into place in one step, and the previous one is deleted only afterwards, so an
 * interruption at any moment leaves a complete checkpoint to resume from.
 */
final class CheckpointStore {

  private static final String SCOPE = ReservedNames.CHECKPOINT;
  /** Checkpoint prefixes in a checkpoint: the latest variables, and those of the best epoch. */
  private static final String LATEST = "variables";
  private static final String BEST = "best";
  private static final ObjectMapper JSON = new ObjectMapper();

  /**
   * The loop's state after {@code epochsDone} epochs, in phase {@code phase} of the plan, which began after epoch
   * {@code phaseStart}.
   */
  record State(int epochsDone, List<EpochMetrics> history, double best, int bestEpoch, int phase, int phaseStart) {}

  private final Path dir;
  private final Map<String, String> run;
  private final SaveRestoreOps ops;
  /** The newest complete checkpoint this run wrote or resumed from; null before either. */
  private Path latest;

  CheckpointStore(Graph graph, Path dir, List<String> variables, Map<String, String> run) {
    this.dir = dir;
    this.run = Map.copyOf(run);
    this.ops = SaveRestoreOps.add(graph, SCOPE, variables.stream().map(graph::operationOrThrow).toList());
  }

  /** Prepares the folder for a new run (refusing a folder that is not Graft's or holds an earlier run's checkpoint). */
  void start() {
    CheckpointFolder.startRun(dir, new java.util.TreeMap<>(run));
  }

  /**
   * Restores the variables of the newest complete checkpoint and returns its state.
   *
   * @throws GraftException when there is none, or it was made with other options
   */
  State resume(Session session) {
    Path checkpoint = CheckpointFolder.latestOrThrow(dir);
    CheckpointFolder.checkSameRun(dir, run);
    try {
      State state = JSON.readValue(CheckpointFolder.stateFile(checkpoint).toFile(), State.class);
      restore(session, checkpoint, LATEST);
      latest = checkpoint;
      return state;
    } catch (IOException | RuntimeException e) {
      throw CheckpointFolder.failure("Cannot resume from checkpoint " + checkpoint + ": " + e.getMessage()
          + ". It may come from another model or head; drop {resume} and pick another {checkpointDir} folder.", e);
    }
  }

  /**
   * Writes the variables and state as the checkpoint after {@code state.epochsDone()} epochs and then deletes the
   * older one. When the epoch just done is the best so far, its variables are also kept as the best epoch's;
   * otherwise the previous checkpoint's best ones carry over.
   */
  void save(Session session, State state) {
    Path target = CheckpointFolder.epochFolder(dir, state.epochsDone());
    Path temp = null;
    try {
      temp = AtomicFiles.createTempDir(target);
      try (TString prefix = TString.scalarOf(temp.resolve(LATEST).toString())) {
        session.runner().feed(ops.filename(), prefix).addTarget(ops.save()).run();
      }
      if (state.bestEpoch() > 0 && state.bestEpoch() == state.epochsDone()) {
        copyCheckpoint(temp, LATEST, temp, BEST);
      } else if (state.bestEpoch() > 0 && latest != null && Files.isRegularFile(latest.resolve(BEST + ".index"))) {
        copyCheckpoint(latest, BEST, temp, BEST);
      }
      Files.write(CheckpointFolder.stateFile(temp), JSON.writeValueAsBytes(state));
      if (Files.exists(target)) {
        // left by an earlier attempt at this same epoch of this run (resumed after it): the new one replaces it
        AtomicFiles.deleteQuietly(target);
      }
      AtomicFiles.moveDir(temp, target);
      temp = null;
      latest = target;
      CheckpointFolder.pruneBefore(dir, target);
    } catch (IOException e) {
      throw new UncheckedIOException("Writing the checkpoint " + target + " failed: " + e.getMessage()
          + "; the previous checkpoint is kept", e);
    } finally {
      if (temp != null) {
        AtomicFiles.deleteQuietly(temp);
      }
    }
  }

  /**
   * Sets the variables to those of the best epoch the checkpoint recorded; false (and nothing changed) when it holds
   * none.
   */
  boolean restoreBest(Session session) {
    if (latest == null || !Files.isRegularFile(latest.resolve(BEST + ".index"))) {
      return false;
    }
    restore(session, latest, BEST);
    return true;
  }

  /** Sets the variables back to those of the checkpoint resumed from or last written. */
  void restoreLatest(Session session) {
    restore(session, latest, LATEST);
  }

  private void restore(Session session, Path checkpoint, String name) {
    try (TString prefix = TString.scalarOf(checkpoint.resolve(name).toString())) {
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
