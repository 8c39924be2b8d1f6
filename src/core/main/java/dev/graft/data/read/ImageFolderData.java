package dev.graft.data.read;

import dev.graft.data.LabeledData;
import dev.graft.data.SkippedItem;
import dev.graft.error.DataException;
import dev.graft.data.read.internal.ImageDecoder;
import dev.graft.data.read.internal.ImageTarget;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.HashSet;
import java.util.List;
import java.util.Locale;
import java.util.Set;
import java.util.stream.Stream;

/**
 * Reads a folder of class folders of images, {@code DIR/<class>/*.{jpg,jpeg,png}}; classes are the folder names, sorted.
 *
 * <p>Only the file list is kept in memory; images are decoded, resized and converted on each read. With
 * {@code skipBad}, every image header is checked when opening so unreadable files are left out up front.
 *
 * <pre>{@code
 * LabeledData flowers = ImageFolderData.open(Path.of("flowers"), DataOptions.builder().optTargetShape(224, 224, 3).build());
 * }</pre>
 */
public final class ImageFolderData {

  /** File extensions read as images, lower case. */
  public static final Set<String> EXTENSIONS = Set.of("jpg", "jpeg", "png");

  private ImageFolderData() {}

  /**
   * Lists the images under {@code dir}.
   *
   * @throws DataException if {@code dir} has no class folders, a class folder has no images, or (with skipBad) no
   *     image is readable
   */
  public static LabeledData open(Path dir, DataOptions options) {
    if (!Files.isDirectory(dir)) {
      throw new DataException(dir.toString(), (Files.exists(dir) ? "is a file, not a folder" : "does not exist")
          + "; expected a folder of class folders of images, DIR/<class>/<image>.jpg|png (for other formats use"
          + " csv:PATH, tfrecord:PATH, idx:IMAGES,LABELS or fashion-mnist)");
    }
    List<Path> classDirs = classFolders(dir);
    if (classDirs.isEmpty()) {
      throw new DataException(dir.toString(), "has no class folders; expected DIR/<class>/<image>.jpg|png,"
          + " one folder per class");
    }
    Set<String> wanted = wantedClasses(classDirs, options.classes());
    List<String> classNames = new ArrayList<>();
    List<String> files = new ArrayList<>();
    List<Integer> labels = new ArrayList<>();
    List<SkippedItem> skipped = new ArrayList<>();
    for (Path classDir : classDirs) {
      String className = classDir.getFileName().toString();
      List<String> images = wanted.contains(className) ? images(dir, classDir) : List.of();
      if (images.isEmpty() && wanted.contains(className)) {
        DataException e = new DataException(classDir.toString(), "class folder has no .jpg, .jpeg or .png files; add"
            + " images, remove the folder, pass a classes list without '" + className + "', or "
            + DataException.SKIP_HINT);
        if (!options.skipBad()) {
          throw e;
        }
        skipped.add(SkippedItem.of(e));
        continue;
      }
      int label = classNames.size();
      classNames.add(className);
      for (String image : images) {
        if (options.skipBad()) {
          try {
            ImageDecoder.probe(dir.resolve(image));
          } catch (DataException e) {
            skipped.add(SkippedItem.of(e));
            continue;
          }
        }
        files.add(image);
        labels.add(label);
      }
    }
    if (files.isEmpty()) {
      throw new DataException(dir.toString(), "has no readable images in its class folders (" + skipped.size()
          + " items skipped); expected DIR/<class>/<image>.jpg|png");
    }
    ImageTarget target = ImageTarget.resolve(options.targetShape(), () -> ImageDecoder.probe(dir.resolve(files.get(0))));
    return new ImageFilesData(dir.toString(), dir, files.toArray(String[]::new),
        labels.stream().mapToInt(Integer::intValue).toArray(), classNames, target, skipped);
  }

  private static List<Path> classFolders(Path dir) {
    try (Stream<Path> s = Files.list(dir)) {
      return s.filter(Files::isDirectory).filter(p -> !p.getFileName().toString().startsWith("."))
          .sorted((a, b) -> a.getFileName().toString().compareTo(b.getFileName().toString())).toList();
    } catch (IOException e) {
      throw new DataException(dir.toString(), "cannot list the folder (" + e.getMessage() + "); check its permissions", e);
    }
  }

  /** Folder names the classes option keeps (all when it is empty); unknown entries are reported later. */
  private static Set<String> wantedClasses(List<Path> classDirs, List<String> classes) {
    Set<String> all = new HashSet<>();
    classDirs.forEach(p -> all.add(p.getFileName().toString()));
    if (classes.isEmpty()) {
      return all;
    }
    Set<String> wanted = new HashSet<>();
    for (String c : classes) {
      if (all.contains(c)) {
        wanted.add(c);
      } else if (c.matches("\\d+") && Integer.parseInt(c) < classDirs.size()) {
        wanted.add(classDirs.get(Integer.parseInt(c)).getFileName().toString());
      }
    }
    return wanted;
  }

  /** Image files under {@code classDir} (recursively), relative to {@code root}, sorted. */
  private static List<String> images(Path root, Path classDir) {
    try (Stream<Path> s = Files.walk(classDir)) {
      return s.filter(p -> isImage(p) && Files.isRegularFile(p)).map(p -> root.relativize(p).toString()).sorted()
          .toList();
    } catch (IOException | UncheckedIOException e) {
      throw new DataException(classDir.toString(), "cannot list the folder (" + e.getMessage() + "); check its"
          + " permissions", e);
    }
  }

  /** Whether {@code file}'s name has an image extension and is not hidden. */
  static boolean isImage(Path file) {
    String name = file.getFileName().toString();
    int dot = name.lastIndexOf('.');
    return !name.startsWith(".") && dot > 0 && EXTENSIONS.contains(name.substring(dot + 1).toLowerCase(Locale.ROOT));
  }
}
