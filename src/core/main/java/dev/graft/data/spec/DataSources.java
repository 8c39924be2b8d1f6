package dev.graft.data.spec;

import dev.graft.data.LabeledData;
import dev.graft.data.read.CsvData;
import dev.graft.data.read.DataOptions;
import dev.graft.data.read.FashionMnist;
import dev.graft.data.read.IdxData;
import dev.graft.data.read.ImageFilesData;
import dev.graft.data.read.ImageFolderData;
import dev.graft.data.read.TfRecordData;
import dev.graft.data.view.LabeledDatas;
import dev.graft.error.DataException;
import java.io.IOException;
import java.nio.file.DirectoryStream;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Opens the data a {@link DataSpec} string names, with the class subset of the options applied.
 *
 * <pre>{@code
 * LabeledData data = DataSources.open("fashion-mnist:train", DataOptions.builder().optClasses("5,6,7,8,9").build());
 * }</pre>
 */
public final class DataSources {

  private static final Logger LOG = LoggerFactory.getLogger(DataSources.class);

  private DataSources() {}

  /**
   * Opens {@code spec} (see {@link DataSpec} for the forms).
   *
   * @throws IllegalArgumentException if the spec fits no form
   * @throws DataException if the data is bad (naming the file and the way out)
   */
  public static LabeledData open(String spec, DataOptions options) {
    return open(DataSpec.parse(spec), options);
  }

  /** Opens a parsed spec with the class subset of {@code options} applied. */
  public static LabeledData open(DataSpec spec, DataOptions options) {
    LabeledData data = switch (spec.kind()) {
      case FOLDER -> ImageFolderData.open(Path.of(spec.paths().get(0)), options);
      case IDX -> IdxData.open(Path.of(spec.paths().get(0)), Path.of(spec.paths().get(1)), options);
      case CSV -> CsvData.open(Path.of(spec.paths().get(0)), options);
      case TFRECORD -> TfRecordData.open(expand(spec.paths()), options);
      case FASHION_MNIST -> FashionMnist.open(split(spec), options);
      case FASHION_MNIST_SUBSET -> FashionMnist.openBundled(split(spec), options);
    };
    LabeledData selected = LabeledDatas.selectClasses(data, options.classes());
    LOG.info("Opened {}: {} examples of shape {}, {} classes{}", spec, selected.size(),
        Arrays.toString(selected.exampleShape()), selected.classNames().size(),
        data.skipped() > 0 ? ", " + data.skipped() + " bad items skipped" : "");
    return selected;
  }

  /**
   * Image files without labels, for prediction: each path is an image, or a {@code .txt} file listing image paths one
   * a line; see {@link ImageFilesData#openUnlabelled}.
   *
   * @throws DataException naming a file that is missing or (unless skipBad) not a readable image
   */
  public static LabeledData openUnlabelled(List<Path> paths, DataOptions options) {
    return ImageFilesData.openUnlabelled(paths, options);
  }

  /** Whether {@code input} names image files rather than a labelled data spec: an image file or a .txt list. */
  public static boolean isUnlabelled(String input) {
    Path p = Path.of(input);
    String name = p.getFileName() == null ? "" : p.getFileName().toString().toLowerCase(java.util.Locale.ROOT);
    int dot = name.lastIndexOf('.');
    boolean image = dot > 0 && ImageFolderData.EXTENSIONS.contains(name.substring(dot + 1));
    return Files.isRegularFile(p) && (image || name.endsWith(".txt"));
  }

  private static FashionMnist.Split split(DataSpec spec) {
    return spec.split() == null ? FashionMnist.Split.TRAIN : spec.split();
  }

  /** Expands {@code *}, {@code ?} and {@code [..]} globs in the file-name part of each path, sorted. */
  static List<Path> expand(List<String> paths) {
    List<Path> out = new ArrayList<>();
    for (String p : paths) {
      Path path = Path.of(p);
      String name = path.getFileName().toString();
      if (!name.contains("*") && !name.contains("?") && !name.contains("[")) {
        out.add(path);
        continue;
      }
      Path dir = path.toAbsolutePath().getParent();
      List<Path> matched = new ArrayList<>();
      try (DirectoryStream<Path> s = Files.newDirectoryStream(dir, name)) {
        s.forEach(m -> {
          if (Files.isRegularFile(m)) {
            matched.add(path.getParent() == null ? m.getFileName() : path.getParent().resolve(m.getFileName()));
          }
        });
      } catch (IOException e) {
        throw new DataException(p, "cannot list " + dir + " (" + e + "); check the path", e);
      }
      if (matched.isEmpty()) {
        throw new DataException(p, "matches no files in " + dir + "; check the pattern");
      }
      matched.sort(null);
      out.addAll(matched);
    }
    return out;
  }
}
