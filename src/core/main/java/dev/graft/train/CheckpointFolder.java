package dev.graft.train;

import com.fasterxml.jackson.core.type.TypeReference;
import com.fasterxml.jackson.databind.ObjectMapper;
import dev.graft.error.GraftException;
import dev.graft.io.AtomicFiles;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import java.util.stream.Stream;

/**
 * The on-disk layout of a checkpoint folder, which Graft alone writes and recognises by its marker file:
 *
 * <pre>
 * DIR/graft-checkpoint.json    marker: the options of the run that must match on resume
 * DIR/epoch-00003/             the newest complete checkpoint: variables.*, best.*, state.json
 * DIR/.epoch-00004.tmp-PID-R/  one being written (renamed to epoch-00004 when complete)
 * </pre>
 *
 * <p>Each save is one rename of a complete folder, and older ones are deleted only after it, so an interruption at
 * any moment leaves at least one complete checkpoint that {@link #latest} finds. A folder that exists without the
 * marker is not Graft's, and nothing in it is ever touched.
 *
 * <pre>{@code
 * CheckpointFolder.check(Path.of("ckpt"), true);   // before loading anything: fails fast with a clear message
 * }</pre>
 */
public final class CheckpointFolder {

  /** The marker file. */
  public static final String MARKER = "graft-checkpoint.json";
  private static final Pattern EPOCH = Pattern.compile("epoch-(\\d{5,})");
  private static final String STATE = "state.json";
  private static final ObjectMapper JSON = new ObjectMapper();

  private CheckpointFolder() {}

  /**
   * Checks that {@code dir} can serve as the checkpoint folder of a run: with {@code resume}, that it holds a complete
   * Graft checkpoint; without, that it does not exist, is empty, or is a Graft checkpoint folder that holds no
   * checkpoint yet.
   *
   * @throws GraftException naming the problem and the way out
   */
  public static void check(Path dir, boolean resume) {
    if (resume) {
      latestOrThrow(dir);
      return;
    }
    if (!Files.exists(dir)) {
      return;
    }
    requireOurs(dir);
    Optional<Path> latest = latest(dir);
    if (latest.isPresent()) {
      throw failure("Checkpoint folder " + dir + " holds a checkpoint of an earlier run ("
          + latest.get().getFileName() + "). Pass {resume} to continue that run, or remove the folder (or pick another"
          + " {checkpointDir}) to start over.", null);
    }
  }

  /** Fails unless {@code dir} is a folder Graft wrote (with the marker), or an empty folder. */
  static void requireOurs(Path dir) {
    if (!Files.isDirectory(dir)) {
      throw failure("{checkpointDir} " + dir + " is a file, not a checkpoint folder; Graft does not overwrite"
          + " it. Pass a new folder name.", null);
    }
    if (Files.isRegularFile(dir.resolve(MARKER)) || isEmpty(dir)) {
      return;
    }
    throw failure("{checkpointDir} " + dir + " already exists and is not a Graft checkpoint folder (it has no "
        + MARKER + "); Graft does not write into it, so nothing there is lost. Pass a new folder name.", null);
  }

  /** The newest complete checkpoint in {@code dir}, or a message saying why there is none. */
  static Path latestOrThrow(Path dir) {
    if (!Files.exists(dir)) {
      throw failure("{resume}: checkpoint folder " + dir + " does not exist, so there is nothing to resume."
          + " Check the {checkpointDir} path, or drop {resume} to start a new run.", null);
    }
    requireOurs(dir);
    return latest(dir).orElseThrow(() -> failure("{resume}: checkpoint folder " + dir + " holds no "
        + "complete checkpoint (the run stopped before its first epoch ended). Drop {resume} to start the run again.",
        null));
  }

  /** The newest complete checkpoint folder ({@code epoch-N} with its state), if any. */
  static Optional<Path> latest(Path dir) {
    return epochFolders(dir).stream().reduce((a, b) -> b);
  }

  /** The complete checkpoint folders, oldest first. */
  static List<Path> epochFolders(Path dir) {
    List<Path> found = new ArrayList<>();
    if (!Files.isDirectory(dir)) {
      return found;
    }
    try (Stream<Path> list = Files.list(dir)) {
      list.filter(p -> EPOCH.matcher(p.getFileName().toString()).matches())
          .filter(p -> Files.isRegularFile(p.resolve(STATE)))
          .sorted((a, b) -> Long.compare(epochOf(a), epochOf(b)))
          .forEach(found::add);
    } catch (IOException e) {
      throw new UncheckedIOException("Cannot list the checkpoint folder " + dir + ": " + e.getMessage(), e);
    }
    return found;
  }

  private static long epochOf(Path folder) {
    Matcher m = EPOCH.matcher(folder.getFileName().toString());
    return m.matches() ? Long.parseLong(m.group(1)) : -1;
  }

  /** The folder of the checkpoint after {@code epochsDone} epochs. */
  static Path epochFolder(Path dir, int epochsDone) {
    return dir.resolve(String.format("epoch-%05d", epochsDone));
  }

  /** The state file of a checkpoint folder. */
  static Path stateFile(Path checkpoint) {
    return checkpoint.resolve(STATE);
  }

  /**
   * Makes {@code dir} the checkpoint folder of a new run with {@code run} as the options to match on resume: creates
   * it, or reuses an empty one or a Graft one without checkpoints.
   */
  static void startRun(Path dir, Map<String, String> run) {
    check(dir, false);
    try {
      Files.createDirectories(dir);
      AtomicFiles.cleanStale(dir);
      Map<String, Object> marker = new LinkedHashMap<>();
      marker.put("writer", "graft");
      marker.put("format", 1);
      marker.put("run", run);
      AtomicFiles.write(dir.resolve(MARKER), JSON.writerWithDefaultPrettyPrinter().writeValueAsBytes(marker));
    } catch (IOException e) {
      throw new UncheckedIOException("Cannot create the checkpoint folder " + dir + ": " + e.getMessage(), e);
    }
  }

  /**
   * Checks the options of this run against those the checkpoint folder recorded.
   *
   * @throws GraftException naming each option that differs
   */
  static void checkSameRun(Path dir, Map<String, String> run) {
    Map<String, String> recorded;
    try {
      Map<String, Object> marker = JSON.readValue(dir.resolve(MARKER).toFile(), new TypeReference<>() {});
      @SuppressWarnings("unchecked")
      Map<String, String> r = (Map<String, String>) marker.get("run");
      recorded = r == null ? Map.of() : r;
    } catch (IOException | ClassCastException e) {
      throw failure("Cannot resume from " + dir + ": its " + MARKER + " is unreadable (" + e.getMessage()
          + "). Drop {resume} and pick another {checkpointDir} folder to start over.", e);
    }
    List<String> differences = new ArrayList<>();
    for (Map.Entry<String, String> option : run.entrySet()) {
      String before = recorded.get(option.getKey());
      if (!option.getValue().equals(before)) {
        differences.add(option.getKey() + " " + (before == null ? "(not recorded)" : before) + " then, "
            + option.getValue() + " now");
      }
    }
    if (!differences.isEmpty()) {
      throw failure("Cannot resume from " + dir + ": the checkpoint was made with other options ("
          + String.join("; ", differences) + "). A resumed run must repeat the interrupted one to end where it would"
          + " have ended: pass the same options, or start over with another {checkpointDir} folder.", null);
    }
  }

  /** Deletes the checkpoint folders older than {@code keep}, and stale temporaries. */
  static void pruneBefore(Path dir, Path keep) {
    for (Path folder : epochFolders(dir)) {
      if (epochOf(folder) < epochOf(keep)) {
        AtomicFiles.deleteQuietly(folder);
      }
    }
    AtomicFiles.cleanStale(dir);
  }

  private static boolean isEmpty(Path dir) {
    try (Stream<Path> list = Files.list(dir)) {
      return list.findAny().isEmpty();
    } catch (IOException e) {
      return false;
    }
  }

  /** A failure whose way out is a checkpoint setting, named as {@link TrainConfig#message} names it. */
  static GraftException failure(String template, Throwable cause) {
    return new GraftException(TrainConfig.message(template), cause);
  }
}
