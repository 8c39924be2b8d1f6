package dev.graft.data.read;

import dev.graft.data.LabeledData;
import dev.graft.error.DataException;
import dev.graft.data.read.internal.IdxFiles;
import java.io.IOException;
import java.io.InputStream;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.Optional;

/**
 * The Fashion-MNIST set: the full files where installed (Debian's {@code dataset-fashion-mnist} package, or
 * {@value #DIR_ENV}), otherwise the subset bundled as resources.
 *
 * <pre>{@code
 * LabeledData test = FashionMnist.open(FashionMnist.Split.TEST, DataOptions.defaults());
 * }</pre>
 */
public final class FashionMnist {

  /** The ten class names, label 0 first. */
  public static final List<String> CLASS_NAMES = List.of("T-shirt/top", "Trouser", "Pullover", "Dress", "Coat",
      "Sandal", "Shirt", "Sneaker", "Bag", "Ankle boot");

  /** Where Debian's {@code dataset-fashion-mnist} package installs the files. */
  public static final Path DEBIAN_DIR = Path.of("/usr/share/datasets/fashion-mnist");

  /** Environment variable naming a folder with the four Fashion-MNIST files. */
  public static final String DIR_ENV = "GRAFT_FASHION_MNIST_DIR";

  /** System property naming a folder with the four Fashion-MNIST files; wins over {@value #DIR_ENV}. */
  public static final String DIR_PROPERTY = "graft.fashionMnistDir";

  /** Classpath folder of the bundled subset (600 training and 200 test images per class). */
  public static final String RESOURCE_DIR = "/datasets/fashion-mnist/";

  /** Which half of the set. */
  public enum Split {
    /** The 60,000 training images (6,000 in the bundled subset). */
    TRAIN("train"),
    /** The 10,000 test images (2,000 in the bundled subset). */
    TEST("t10k");

    private final String prefix;

    Split(String prefix) {
      this.prefix = prefix;
    }

    /** File name of this split's images, without {@code .gz}. */
    public String imagesFile() {
      return prefix + "-images-idx3-ubyte";
    }

    /** File name of this split's labels, without {@code .gz}. */
    public String labelsFile() {
      return prefix + "-labels-idx1-ubyte";
    }
  }

  private FashionMnist() {}

  /** Opens the full set where one is found (see {@link #directory()}), otherwise the bundled subset. */
  public static LabeledData open(Split split, DataOptions options) {
    Optional<Path> dir = directory();
    return dir.isPresent() ? openDirectory(dir.get(), split, options) : openBundled(split, options);
  }

  /** Opens the subset bundled with Graft, whatever is installed. */
  public static LabeledData openBundled(Split split, DataOptions options) {
    String images = RESOURCE_DIR + split.imagesFile() + ".gz";
    String labels = RESOURCE_DIR + split.labelsFile() + ".gz";
    return IdxData.of("classpath:" + images, IdxFiles.read("classpath:" + images, () -> resource(images)),
        "classpath:" + labels, IdxFiles.read("classpath:" + labels, () -> resource(labels)), CLASS_NAMES, options);
  }

  /** Opens the files of {@code split} in {@code dir} (gzipped or not). */
  public static LabeledData openDirectory(Path dir, Split split, DataOptions options) {
    Path images = find(dir, split.imagesFile());
    Path labels = find(dir, split.labelsFile());
    return IdxData.of(images.toString(), IdxFiles.read(images), labels.toString(), IdxFiles.read(labels), CLASS_NAMES,
        options);
  }

  /**
   * The folder holding the full set: {@value #DIR_PROPERTY} or {@value #DIR_ENV} when set, else
   * {@link #DEBIAN_DIR} when its files are there; empty means the bundled subset is used.
   */
  public static Optional<Path> directory() {
    String configured = System.getProperty(DIR_PROPERTY);
    if (configured == null || configured.isBlank()) {
      configured = System.getenv(DIR_ENV);
    }
    if (configured != null && !configured.isBlank()) {
      Path dir = Path.of(configured);
      if (!Files.isDirectory(dir)) {
        throw new DataException(configured, "is not a folder, but " + DIR_ENV + " (or -D" + DIR_PROPERTY
            + ") names it as the Fashion-MNIST folder; point it at the folder of the four .gz files or unset it");
      }
      return Optional.of(dir);
    }
    boolean installed = true;
    for (Split s : Split.values()) {
      installed &= Files.isRegularFile(DEBIAN_DIR.resolve(s.imagesFile() + ".gz"))
          && Files.isRegularFile(DEBIAN_DIR.resolve(s.labelsFile() + ".gz"));
    }
    return installed ? Optional.of(DEBIAN_DIR) : Optional.empty();
  }

  private static Path find(Path dir, String name) {
    Path gz = dir.resolve(name + ".gz");
    if (Files.isRegularFile(gz)) {
      return gz;
    }
    Path plain = dir.resolve(name);
    if (Files.isRegularFile(plain)) {
      return plain;
    }
    throw new DataException(dir.toString(), "has no " + name + ".gz (or " + name + "); put the four Fashion-MNIST files"
        + " there, or unset " + DIR_ENV + " to use the installed or bundled set");
  }

  private static InputStream resource(String name) throws IOException {
    InputStream in = FashionMnist.class.getResourceAsStream(name);
    if (in == null) {
      throw new IOException("resource " + name + " is missing from the classpath; rebuild Graft with its resources");
    }
    return in;
  }
}
