package dev.graft.extract;

import dev.graft.error.DataException;
import dev.graft.data.ExampleKind;
import dev.graft.data.LabeledData;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.ByteBuffer;
import java.nio.ByteOrder;
import java.nio.channels.FileChannel;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardOpenOption;
import java.util.Arrays;
import java.util.List;

/**
 * Feature rows kept in a local file (little-endian float32, row after row) with their labels in memory: labelled
 * data whose heap use does not grow with the rows' width, for training a head on more features than the heap holds.
 *
 * <p>Rows are appended through a {@link Writer} and read back by position; reads are safe from several threads.
 *
 * <pre>{@code
 * try (FeatureFile.Writer writer = FeatureFile.writer(Path.of("features.f32"), 256)) {
 *   writer.add(row, label);
 *   try (FeatureFile rows = writer.finish(List.of("cat", "dog"))) {
 *     model.trainHead(rows, null, config);
 *   }
 * }
 * }</pre>
 */
public final class FeatureFile implements LabeledData, AutoCloseable {

  private final Path file;
  private final FileChannel channel;
  private final int width;
  private final int[] labels;
  private final List<String> classNames;
  private final ThreadLocal<ByteBuffer> buffers;

  private FeatureFile(Path file, FileChannel channel, int width, int[] labels, List<String> classNames) {
    this.file = file;
    this.channel = channel;
    this.width = width;
    this.labels = labels;
    this.classNames = List.copyOf(classNames);
    this.buffers = ThreadLocal.withInitial(() -> ByteBuffer.allocate(width * Float.BYTES).order(ByteOrder.LITTLE_ENDIAN));
  }

  /** Starts a new file of rows of {@code width} values; the file must not exist yet. */
  public static Writer writer(Path file, int width) {
    if (width < 1) {
      throw new IllegalArgumentException("Feature rows need at least one value, got width " + width);
    }
    return new Writer(file, width);
  }

  /** Appends feature rows; {@link #finish} turns them into readable data. */
  public static final class Writer implements AutoCloseable {
    private final Path file;
    private final int width;
    private final FileChannel channel;
    private final ByteBuffer buffer;
    private int[] labels = new int[1024];
    private int count;
    private boolean finished;

    private Writer(Path file, int width) {
      this.file = file;
      this.width = width;
      try {
        this.channel = FileChannel.open(file, StandardOpenOption.CREATE_NEW, StandardOpenOption.WRITE,
            StandardOpenOption.READ);
      } catch (IOException e) {
        throw new UncheckedIOException("Cannot create the feature file " + file + ": " + e.getMessage(), e);
      }
      this.buffer = ByteBuffer.allocate(Math.max(width * Float.BYTES, 1 << 16)).order(ByteOrder.LITTLE_ENDIAN);
    }

    /** Appends one row and its label. */
    public void add(float[] row, int label) {
      if (row.length != width) {
        throw new IllegalArgumentException("Feature row " + count + " holds " + row.length + " values, expected "
            + width);
      }
      if (buffer.remaining() < width * Float.BYTES) {
        flush();
      }
      buffer.asFloatBuffer().put(row);
      buffer.position(buffer.position() + width * Float.BYTES);
      if (count == labels.length) {
        labels = Arrays.copyOf(labels, labels.length * 2);
      }
      labels[count++] = label;
    }

    /** Rows added so far. */
    public int count() {
      return count;
    }

    private void flush() {
      buffer.flip();
      try {
        while (buffer.hasRemaining()) {
          channel.write(buffer);
        }
      } catch (IOException e) {
        throw new UncheckedIOException("Cannot write the feature file " + file + ": " + e.getMessage(), e);
      }
      buffer.clear();
    }

    /**
     * The rows written, as labelled data over the file; it owns the file handle from now on.
     *
     * @param classNames label {@code i} is {@code classNames.get(i)}
     */
    public FeatureFile finish(List<String> classNames) {
      flush();
      for (int i = 0; i < count; i++) {
        if (labels[i] < 0 || labels[i] >= classNames.size()) {
          throw new DataException(file.toString(), "row " + i + " has label " + labels[i] + " but there are "
              + classNames.size() + " classes " + classNames);
        }
      }
      finished = true;
      return new FeatureFile(file, channel, width, Arrays.copyOf(labels, count), classNames);
    }

    /** Closes the file unless {@link #finish} handed it over. */
    @Override
    public void close() {
      if (!finished) {
        try {
          channel.close();
        } catch (IOException e) {
          throw new UncheckedIOException(e);
        }
      }
    }
  }

  /** The file the rows are in. */
  public Path file() {
    return file;
  }

  @Override
  public int size() {
    return labels.length;
  }

  @Override
  public long[] exampleShape() {
    return new long[] {width};
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
    ByteBuffer buffer = buffers.get();
    buffer.clear();
    long position = (long) index * width * Float.BYTES;
    try {
      while (buffer.hasRemaining()) {
        if (channel.read(buffer, position + buffer.position()) < 0) {
          throw new DataException(file.toString(), "ends before row " + index + "; the file was cut short");
        }
      }
    } catch (IOException e) {
      throw new UncheckedIOException("Cannot read row " + index + " of " + file + ": " + e.getMessage(), e);
    }
    buffer.flip();
    buffer.asFloatBuffer().get(dst, offset, width);
  }

  @Override
  public String describe() {
    return "feature rows " + file;
  }

  /** Closes the file; deleting it is the caller's. */
  @Override
  public void close() {
    try {
      channel.close();
    } catch (IOException e) {
      throw new UncheckedIOException(e);
    }
  }

  /** Deletes the file after closing it. */
  public void delete() {
    close();
    try {
      Files.deleteIfExists(file);
    } catch (IOException e) {
      throw new UncheckedIOException("Cannot delete " + file + ": " + e.getMessage(), e);
    }
  }
}
