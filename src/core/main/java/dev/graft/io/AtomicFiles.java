package dev.graft.io;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.google.common.io.MoreFiles;
import com.google.common.io.RecursiveDeleteOption;
import java.io.IOException;
import java.net.InetAddress;
import java.nio.ByteBuffer;
import java.nio.channels.FileChannel;
import java.nio.file.AtomicMoveNotSupportedException;
import java.nio.file.DirectoryNotEmptyException;
import java.nio.file.FileAlreadyExistsException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardCopyOption;
import java.nio.file.StandardOpenOption;
import java.nio.file.attribute.FileTime;
import java.security.SecureRandom;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import java.util.stream.Stream;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Writes files and folders so that they appear complete or not at all: the content goes to a hidden temporary
 * name beside the target ({@code .NAME.tmp-PID-RANDOM}) and one rename puts it in place.
 *
 * <p>Temporary folders hold a marker file naming the process that writes them; {@link #cleanStale} deletes the
 * temporaries of processes that are gone, and nothing else. Folders are created with the permissions the
 * process's umask gives (not the owner-only mode of {@link Files#createTempDirectory}).
 *
 * <pre>{@code
 * AtomicFiles.write(Path.of("runs/v1-metrics.csv"), csv.getBytes(UTF_8));
 * Path temp = AtomicFiles.createTempDir(Path.of("runs/1"));
 * // ... fill temp ...
 * Path version = AtomicFiles.moveToFreeVersion(temp, Path.of("runs"), 1);
 * }</pre>
 */
public final class AtomicFiles {

  /** The marker file inside a temporary folder: the writing process's host, pid and start time. */
  public static final String PARTIAL_MARKER = ".graft-partial.json";

  private static final Logger LOG = LoggerFactory.getLogger(AtomicFiles.class);
  private static final Pattern TEMP = Pattern.compile("^\\..+\\.tmp-(\\d+)-[0-9a-z]{6,}$");
  /** Temporary files carry no marker; one of a dead process is left alone this long, in case its pid was reused. */
  private static final Duration FILE_GRACE = Duration.ofMinutes(1);
  private static final SecureRandom RANDOM = new SecureRandom();
  private static final ObjectMapper JSON = new ObjectMapper();
  private static final long PID = ProcessHandle.current().pid();

  private AtomicFiles() {}

  /** A fresh hidden temporary name for {@code target} in its folder. */
  static String tempName(Path target) {
    return "." + target.getFileName() + ".tmp-" + PID + "-" + Long.toString(RANDOM.nextLong() >>> 1, 36);
  }

  /** Whether {@code name} has the form of a temporary name this class makes. */
  public static boolean isTempName(String name) {
    return TEMP.matcher(name).matches();
  }

  /**
   * Writes {@code content} to {@code file} atomically: readers see the old file or the new one, never a part.
   * The bytes reach the disk before the rename.
   *
   * @throws IOException when the disk refuses; {@code file} is then as it was
   */
  public static void write(Path file, byte[] content) throws IOException {
    Path parent = parentOf(file);
    Files.createDirectories(parent);
    Path temp = parent.resolve(tempName(file));
    try {
      try (FileChannel out = FileChannel.open(temp, StandardOpenOption.CREATE_NEW, StandardOpenOption.WRITE)) {
        ByteBuffer buffer = ByteBuffer.wrap(content);
        while (buffer.hasRemaining()) {
          out.write(buffer);
        }
        out.force(true);
      }
      move(temp, file, true);
      temp = null;
    } finally {
      if (temp != null) {
        Files.deleteIfExists(temp);
      }
    }
  }

  /**
   * Creates an empty temporary folder beside {@code target} (same parent), with a marker naming this process.
   *
   * @throws IOException when the parent cannot be created or written
   */
  public static Path createTempDir(Path target) throws IOException {
    Path parent = parentOf(target);
    Files.createDirectories(parent);
    while (true) {
      Path temp = parent.resolve(tempName(target));
      try {
        Files.createDirectory(temp);
      } catch (FileAlreadyExistsException e) {
        continue;
      }
      Files.write(temp.resolve(PARTIAL_MARKER), JSON.writeValueAsBytes(owner()));
      return temp;
    }
  }

  /**
   * Renames a finished temporary folder to {@code target}, which must not exist.
   *
   * @throws FileAlreadyExistsException when {@code target} exists; {@code temp} is then left as it was
   */
  public static void moveDir(Path temp, Path target) throws IOException {
    if (Files.exists(target)) {
      throw new FileAlreadyExistsException(target.toString());
    }
    Files.deleteIfExists(temp.resolve(PARTIAL_MARKER));
    try {
      move(temp, target, false);
    } catch (IOException e) {
      restoreMarker(temp);
      throw e instanceof DirectoryNotEmptyException ? new FileAlreadyExistsException(target.toString()) : e;
    }
  }

  /**
   * Renames a finished temporary folder to {@code parent/N} for the first {@code N >= first} that is free at the
   * moment of the rename, so two writers of the same parent never collide; returns that folder.
   */
  public static Path moveToFreeVersion(Path temp, Path parent, long first) throws IOException {
    for (long version = first; version > 0; version++) {
      Path target = parent.resolve(Long.toString(version));
      if (Files.exists(target, java.nio.file.LinkOption.NOFOLLOW_LINKS)) {
        continue;
      }
      try {
        moveDir(temp, target);
        return target;
      } catch (FileAlreadyExistsException e) {
        // another writer took this version between the check and the rename: take the next one
      }
    }
    throw new IOException("No free version number after " + first + " in " + parent);
  }

  /** Deletes a folder and everything in it, ignoring failures (for temporaries a failed write leaves). */
  public static void deleteQuietly(Path dir) {
    try {
      if (Files.isDirectory(dir, java.nio.file.LinkOption.NOFOLLOW_LINKS)) {
        MoreFiles.deleteRecursively(dir, RecursiveDeleteOption.ALLOW_INSECURE);
      } else {
        Files.deleteIfExists(dir);
      }
    } catch (IOException e) {
      LOG.debug("Could not delete {}: {}", dir, e.toString());
    }
  }

  /**
   * Deletes the temporaries in {@code dir} that writers which are gone left behind: folders with this class's
   * marker whose process (on this host) no longer runs, and temporary files of dead processes. Anything else,
   * including the temporaries of running writers, is left alone. Returns what was deleted.
   */
  public static List<Path> cleanStale(Path dir) {
    List<Path> deleted = new ArrayList<>();
    if (!Files.isDirectory(dir)) {
      return deleted;
    }
    List<Path> entries;
    try (Stream<Path> list = Files.list(dir)) {
      entries = list.toList();
    } catch (IOException e) {
      return deleted;
    }
    for (Path entry : entries) {
      Matcher m = TEMP.matcher(entry.getFileName().toString());
      if (!m.matches()) {
        continue;
      }
      long pid = Long.parseLong(m.group(1));
      boolean stale = Files.isDirectory(entry, java.nio.file.LinkOption.NOFOLLOW_LINKS)
          ? staleFolder(entry) : staleFile(entry, pid);
      if (stale) {
        deleteQuietly(entry);
        if (!Files.exists(entry, java.nio.file.LinkOption.NOFOLLOW_LINKS)) {
          LOG.info("Removed {}, left by an interrupted write", entry);
          deleted.add(entry);
        }
      }
    }
    return deleted;
  }

  private static boolean staleFolder(Path folder) {
    Path marker = folder.resolve(PARTIAL_MARKER);
    if (!Files.isRegularFile(marker)) {
      return false;
    }
    try {
      JsonNode owner = JSON.readTree(marker.toFile());
      if (!owner.path("host").asText("").equals(host())) {
        return false;
      }
      return !running(owner.path("pid").asLong(-1), owner.path("start").asText(""));
    } catch (IOException e) {
      // a marker cut short by a kill: the folder is a temporary of ours that never got further
      return true;
    }
  }

  private static boolean staleFile(Path file, long pid) {
    if (ProcessHandle.of(pid).map(ProcessHandle::isAlive).orElse(false)) {
      return false;
    }
    try {
      FileTime modified = Files.getLastModifiedTime(file, java.nio.file.LinkOption.NOFOLLOW_LINKS);
      return Files.isRegularFile(file, java.nio.file.LinkOption.NOFOLLOW_LINKS)
          && modified.toInstant().isBefore(Instant.now().minus(FILE_GRACE));
    } catch (IOException e) {
      return false;
    }
  }

  private static boolean running(long pid, String start) {
    Optional<ProcessHandle> process = ProcessHandle.of(pid).filter(ProcessHandle::isAlive);
    if (process.isEmpty()) {
      return false;
    }
    String actual = process.get().info().startInstant().map(Instant::toString).orElse("");
    return actual.isEmpty() || start.isEmpty() || actual.equals(start);
  }

  private static Map<String, Object> owner() {
    Map<String, Object> owner = new LinkedHashMap<>();
    owner.put("writer", "graft");
    owner.put("host", host());
    owner.put("pid", PID);
    owner.put("start", ProcessHandle.current().info().startInstant().map(Instant::toString).orElse(""));
    return owner;
  }

  private static String host() {
    return Host.NAME;
  }

  /** This machine's name, looked up once. */
  private static final class Host {
    static final String NAME = lookUp();

    private static String lookUp() {
      try {
        return InetAddress.getLocalHost().getHostName();
      } catch (IOException e) {
        return "localhost";
      }
    }
  }

  private static void restoreMarker(Path temp) {
    try {
      if (Files.isDirectory(temp)) {
        Files.write(temp.resolve(PARTIAL_MARKER), JSON.writeValueAsBytes(owner()));
      }
    } catch (IOException e) {
      LOG.debug("Could not mark {} again: {}", temp, e.toString());
    }
  }

  private static void move(Path from, Path to, boolean replace) throws IOException {
    try {
      if (replace) {
        Files.move(from, to, StandardCopyOption.ATOMIC_MOVE, StandardCopyOption.REPLACE_EXISTING);
      } else {
        Files.move(from, to, StandardCopyOption.ATOMIC_MOVE);
      }
    } catch (AtomicMoveNotSupportedException e) {
      if (replace) {
        Files.move(from, to, StandardCopyOption.REPLACE_EXISTING);
      } else {
        Files.move(from, to);
      }
    }
  }

  private static Path parentOf(Path path) {
    Path parent = path.toAbsolutePath().getParent();
    if (parent == null) {
      throw new IllegalArgumentException(path + " has no parent folder to write beside it");
    }
    return parent;
  }
}
