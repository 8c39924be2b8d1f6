package dev.graft.train;

import dev.graft.data.batch.Batch;
import dev.graft.data.ExampleKind;
import dev.graft.data.LabeledData;
import dev.graft.data.view.LabeledDatas;
import dev.graft.data.read.InMemoryData;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.ByteOrder;
import java.nio.FloatBuffer;
import java.nio.channels.FileChannel;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardOpenOption;
import java.util.Arrays;
import java.util.List;
import org.tensorflow.Tensor;
import org.tensorflow.ndarray.buffer.FloatDataBuffer;

/**
 * The frozen backbone's features of every example of one data set, kept as batches pass through the backbone, for
 * the epochs that train the head on them alone: on the Java heap up to a memory budget, beyond it in a
 * memory-mapped temporary file (deleted on {@link #close}), so the heap does not grow with the data.
 *
 * <p>Features land at their example's index, whatever order the batches come in; examples that never arrive
 * (unreadable and skipped) are left out of {@link #toData}.
 */
final class FeatureCache implements AutoCloseable {

  /** Rows of one mapped segment stay under 2 GB, the most one mapping holds. */
  private static final long SEGMENT_BYTES = 1L << 30;

  private final int size;
  private final int examples;
  private final float[] values;
  private final FloatBuffer[] segments;
  private final int rowsPerSegment;
  private final Path file;
  private final boolean[] filled;
  private final float[] row;
  private int count;

  /**
   * Whether the features of {@code examples} examples fit one array and a quarter of the Java heap; when they do not,
   * training runs the backbone every step instead (and says so in the log).
   */
  static boolean fits(long examples, long featureSize) {
    long values = examples * featureSize;
    long heap = Runtime.getRuntime().maxMemory();
    boolean fits = values <= Integer.MAX_VALUE - 16 && values * Float.BYTES <= heap / 4;
    if (!fits) {
      org.slf4j.LoggerFactory.getLogger(FeatureCache.class).warn("Not caching backbone features: {} examples of {} "
          + "features need {} MiB, more than a quarter of the Java heap ({} MiB); each step runs the backbone instead",
          examples, featureSize, values * Float.BYTES >> 20, heap >> 20);
    }
    return fits;
  }

  /**
   * @param examples examples of the data set
   * @param size features per example
   * @param heapBytes most bytes kept on the heap; a cache that needs more is memory-mapped
   */
  FeatureCache(int examples, int size, long heapBytes) {
    this.size = size;
    this.examples = examples;
    this.filled = new boolean[examples];
    this.row = new float[size];
    long bytes = (long) examples * size * Float.BYTES;
    if (bytes <= heapBytes) {
      this.values = new float[Math.multiplyExact(examples, size)];
      this.segments = null;
      this.rowsPerSegment = examples;
      this.file = null;
      return;
    }
    this.values = null;
    this.rowsPerSegment = (int) Math.max(1, SEGMENT_BYTES / ((long) size * Float.BYTES));
    int count = (examples + rowsPerSegment - 1) / rowsPerSegment;
    this.segments = new FloatBuffer[count];
    Path temp = null;
    try {
      temp = Files.createTempFile("graft-features-", ".f32");
      try (FileChannel channel = FileChannel.open(temp, StandardOpenOption.READ, StandardOpenOption.WRITE)) {
        for (int s = 0; s < count; s++) {
          long first = (long) s * rowsPerSegment;
          long rows = Math.min(rowsPerSegment, examples - first);
          segments[s] = channel.map(FileChannel.MapMode.READ_WRITE, first * size * Float.BYTES,
              rows * size * Float.BYTES).order(ByteOrder.nativeOrder()).asFloatBuffer();
        }
      }
    } catch (IOException e) {
      deleteQuietly(temp);
      throw new UncheckedIOException("Cannot create the feature cache file of " + bytes / (1 << 20) + " MB in "
          + System.getProperty("java.io.tmpdir") + " (" + e.getMessage() + "); free disk space there, point "
          + "java.io.tmpdir elsewhere, or raise the cache's memory budget", e);
    }
    this.file = temp;
  }

  /** Whether the features live in a memory-mapped file rather than on the heap. */
  boolean mapped() {
    return segments != null;
  }

  /** Keeps the features of {@code batch}: {@code features} holds {@code batch.size()} rows of {@code size}. */
  void put(Batch batch, Tensor features) {
    FloatDataBuffer buffer = features.asRawTensor().data().asFloats();
    if (buffer.size() != (long) batch.size() * size) {
      throw new IllegalStateException("The backbone gave " + buffer.size() + " feature values for a batch of "
          + batch.size() + " examples of " + size + " features");
    }
    for (int i = 0; i < batch.size(); i++) {
      int index = batch.index(i);
      if (values != null) {
        buffer.slice((long) i * size, size).read(values, index * size, size);
      } else {
        buffer.slice((long) i * size, size).read(row);
        segments[index / rowsPerSegment].put((index % rowsPerSegment) * size, row);
      }
      if (!filled[index]) {
        filled[index] = true;
        count++;
      }
    }
  }

  /** Examples whose features arrived so far. */
  int count() {
    return count;
  }

  /** The kept features with the labels and class names of {@code source}, the data they were computed from. */
  LabeledData toData(LabeledData source) {
    if (source.size() != filled.length) {
      throw new IllegalArgumentException("The cache holds " + filled.length + " examples, the data "
          + source.size());
    }
    LabeledData all = values != null
        ? InMemoryData.of(values, new long[] {size}, LabeledDatas.labels(source), source.classNames())
        : new MappedFeatures(source);
    if (count == filled.length) {
      return all;
    }
    int[] kept = new int[count];
    int k = 0;
    for (int i = 0; i < filled.length; i++) {
      if (filled[i]) {
        kept[k++] = i;
      }
    }
    return LabeledDatas.subset(all, Arrays.copyOf(kept, k));
  }

  /** Deletes the mapped file, if any; the data of {@link #toData} must not be read afterwards. */
  @Override
  public void close() {
    deleteQuietly(file);
  }

  private static void deleteQuietly(Path path) {
    if (path == null) {
      return;
    }
    try {
      Files.deleteIfExists(path);
    } catch (IOException e) {
      path.toFile().deleteOnExit();
    }
  }

  /** The mapped features as labelled data; reads are absolute, so concurrent readers do not disturb each other. */
  private final class MappedFeatures implements LabeledData {
    private final int[] labels;
    private final List<String> classNames;

    MappedFeatures(LabeledData source) {
      this.labels = LabeledDatas.labels(source);
      this.classNames = List.copyOf(source.classNames());
    }

    @Override
    public int size() {
      return examples;
    }

    @Override
    public long[] exampleShape() {
      return new long[] {size};
    }

    @Override
    public ExampleKind kind() {
      return ExampleKind.FLOAT;
    }

    @Override
    public List<String> classNames() {
      return classNames;
    }

    @Override
    public int label(int index) {
      return labels[index];
    }

    @Override
    public void readFloats(int index, float[] dst, int offset) {
      segments[index / rowsPerSegment].get((index % rowsPerSegment) * size, dst, offset, size);
    }

    @Override
    public String describe() {
      return "cached features in " + file;
    }
  }
}
