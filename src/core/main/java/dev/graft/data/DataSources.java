package dev.graft.data;

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

  private static FashionMnist.Split split(DataSpec spec) {
    return "test".equals(spec.split()) ? FashionMnist.Split.TEST : FashionMnist.Split.TRAIN;
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
