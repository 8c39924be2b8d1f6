package dev.graft.data.read;

import dev.graft.data.ExampleKind;
import dev.graft.data.SkippedItem;
import dev.graft.error.DataException;
import com.google.protobuf.ByteString;
import com.google.protobuf.InvalidProtocolBufferException;
import dev.graft.data.read.internal.ImageDecoder;
import dev.graft.data.read.internal.ImageTarget;
import dev.graft.data.read.internal.TfRecords;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import org.tensorflow.proto.Example;
import org.tensorflow.proto.Feature;

/**
 * Reads TFRecord files of {@code tf.Example}s holding an encoded image and an int64 label (keys configurable).
 *
 * <p>Opening scans every record once, checks both checksums and keeps only the offsets and labels; images are read
 * and decoded again on each read. With {@link DataOptions#rawExamples()} examples are the serialized
 * {@code tf.Example} strings ({@link ExampleKind#STRING}) instead.
 *
 * <pre>{@code
 * LabeledData data = TfRecordData.open(List.of(Path.of("train.tfrecord")), DataOptions.defaults());
 * }</pre>
 */
public final class TfRecordData extends AbstractLabeledData {

  private final Path[] files;
  private final int[] fileOf;
  private final long[] offsets;
  private final int[] lengths;
  private final int[] numbers;
  private final ImageTarget target;
  private final String imageKey;

  /** Creates the data; a null {@code target} means raw examples, serialized {@code tf.Example} strings. */
  private TfRecordData(String name, Path[] files, Index index, List<String> classNames, ImageTarget target,
      String imageKey, List<SkippedItem> skipped) {
    super(name, target == null ? new long[0] : target.shape(), target == null ? ExampleKind.STRING : ExampleKind.FLOAT,
        classNames, Arrays.copyOf(index.label, index.n), skipped);
    this.files = files;
    this.fileOf = Arrays.copyOf(index.file, index.n);
    this.offsets = Arrays.copyOf(index.offset, index.n);
    this.lengths = Arrays.copyOf(index.length, index.n);
    this.numbers = Arrays.copyOf(index.number, index.n);
    this.target = target;
    this.imageKey = imageKey;
  }

  /**
   * Scans {@code files}.
   *
   * @throws DataException naming the file and record of the first bad record (unless skipBad)
   */
  public static TfRecordData open(List<Path> files, DataOptions options) {
    if (files.isEmpty()) {
      throw new IllegalArgumentException("No TFRecord files given; pass tfrecord:PATH[,PATH...]");
    }
    Index index = new Index();
    List<SkippedItem> skipped = new ArrayList<>();
    Map<Integer, String> texts = new HashMap<>();
    for (int f = 0; f < files.size(); f++) {
      scan(files.get(f), f, options, index, texts, skipped);
    }
    if (index.n == 0) {
      throw new DataException(files.get(0).toString(), "no usable records in " + files.size() + " file(s) ("
          + skipped.size() + " skipped" + (skipped.isEmpty() ? "" : ", first: " + skipped.get(0)) + ")");
    }
    List<String> names = options.classNames().orElseGet(() -> names(index, texts));
    index.dropLabelsOutside(names.size(), files, options, skipped);
    if (index.n == 0) {
      throw new DataException(files.get(0).toString(), "no record has a label within the " + names.size()
          + " class names given (" + skipped.size() + " skipped); check the class names");
    }
    Path[] paths = files.toArray(Path[]::new);
    String name = files.size() == 1 ? files.get(0).toString() : files.get(0) + " (+" + (files.size() - 1) + " files)";
    ImageTarget target = null;
    if (!options.rawExamples()) {
      target = ImageTarget.resolve(options.targetShape(), () -> {
        String source = paths[index.file[0]] + " record " + index.number[0];
        byte[] image = image(TfRecords.readAt(paths[index.file[0]], index.offset[0], index.length[0], source),
            options.imageKey(), source);
        return ImageDecoder.probe(image, source);
      });
    }
    return new TfRecordData(name, paths, index, names, target, options.imageKey(), skipped);
  }

  private static void scan(Path file, int f, DataOptions options, Index index, Map<Integer, String> texts,
      List<SkippedItem> skipped) {
    try (TfRecords.Scanner scanner = new TfRecords.Scanner(file)) {
      while (true) {
        TfRecords.Record r;
        try {
          r = scanner.next();
        } catch (DataException e) {
          if (!options.skipBad()) {
            throw e;
          }
          skipped.add(new SkippedItem(e.source(), e.reason() + " (rest of the file skipped)"));
          return;
        }
        if (r == null) {
          return;
        }
        String source = file + " record " + r.number() + " (byte " + (r.offset() - 12) + ")";
        try {
          if (!r.crcOk()) {
            throw new DataException(source, "data checksum mismatch; the file is corrupt, copy it again, or "
                + DataException.SKIP_HINT);
          }
          Example example = parse(r.data(), source);
          int label = label(example, options.labelKey(), source);
          if (!options.rawExamples()) {
            image(example, options.imageKey(), source);
          }
          Feature text = example.getFeatures().getFeatureMap().get(options.textKey());
          if (text != null && text.getBytesList().getValueCount() > 0) {
            texts.putIfAbsent(label, text.getBytesList().getValue(0).toStringUtf8());
          }
          index.add(f, r.offset(), r.data().length, r.number(), label);
        } catch (DataException e) {
          if (!options.skipBad()) {
            throw e;
          }
          skipped.add(SkippedItem.of(e));
        }
      }
    }
  }

  private static Example parse(byte[] data, String source) {
    try {
      return Example.parseFrom(data);
    } catch (InvalidProtocolBufferException e) {
      throw new DataException(source, "is not a serialized tf.Example (" + e.getMessage() + "); write tf.Example"
          + " records, or " + DataException.SKIP_HINT, e);
    }
  }

  private static int label(Example example, String key, String source) {
    Feature f = example.getFeatures().getFeatureMap().get(key);
    if (f == null || f.getInt64List().getValueCount() == 0) {
      throw new DataException(source, "has no int64 feature '" + key + "'; its features are "
          + example.getFeatures().getFeatureMap().keySet() + "; pass the label key (option labelKey), or "
          + DataException.SKIP_HINT);
    }
    long v = f.getInt64List().getValue(0);
    if (v < 0 || v >= DataOptions.MAX_CLASSES) {
      throw new DataException(source, "label " + v + " in '" + key + "' is outside 0.." + (DataOptions.MAX_CLASSES - 1)
          + " (labels are class indices 0..K-1); fix the record, or " + DataException.SKIP_HINT);
    }
    return (int) v;
  }

  private static byte[] image(byte[] record, String key, String source) {
    return image(parse(record, source), key, source);
  }

  private static byte[] image(Example example, String key, String source) {
    Feature f = example.getFeatures().getFeatureMap().get(key);
    if (f == null || f.getBytesList().getValueCount() == 0 || f.getBytesList().getValue(0).isEmpty()) {
      throw new DataException(source, "has no bytes feature '" + key + "'; its features are "
          + example.getFeatures().getFeatureMap().keySet() + "; pass the image key (option imageKey), or "
          + DataException.SKIP_HINT);
    }
    ByteString bytes = f.getBytesList().getValue(0);
    return bytes.toByteArray();
  }

  private static List<String> names(Index index, Map<Integer, String> texts) {
    int max = 0;
    for (int i = 0; i < index.n; i++) {
      max = Math.max(max, index.label[i]);
    }
    List<String> names = new ArrayList<>();
    boolean allTexts = texts.size() == max + 1 && texts.values().stream().distinct().count() == texts.size();
    for (int i = 0; i <= max; i++) {
      names.add(allTexts ? texts.get(i) : Integer.toString(i));
    }
    return names;
  }

  @Override
  public void readFloats(int index, float[] dst, int offset) {
    if (target == null) {
      throw new UnsupportedOperationException("This TFRecord data yields serialized tf.Examples; call readBytes, or"
          + " open it without rawExamples to get images");
    }
    String source = source(index);
    byte[] image = image(readBytesUnchecked(index, source), imageKey, source);
    ImageDecoder.decodeInto(image, source, target, dst, offset);
  }

  @Override
  public byte[] readBytes(int index) {
    return readBytesUnchecked(index, source(index));
  }

  private byte[] readBytesUnchecked(int index, String source) {
    return TfRecords.readAt(files[fileOf[index]], offsets[index], lengths[index], source);
  }

  private String source(int index) {
    return files[fileOf[index]] + " record " + numbers[index];
  }

  /** Growable columns of the records found. */
  private static final class Index {
    int n;
    int[] file = new int[256];
    long[] offset = new long[256];
    int[] length = new int[256];
    int[] number = new int[256];
    int[] label = new int[256];

    void add(int f, long off, int len, int num, int lab) {
      if (n == file.length) {
        int cap = n * 2;
        file = Arrays.copyOf(file, cap);
        offset = Arrays.copyOf(offset, cap);
        length = Arrays.copyOf(length, cap);
        number = Arrays.copyOf(number, cap);
        label = Arrays.copyOf(label, cap);
      }
      file[n] = f;
      offset[n] = off;
      length[n] = len;
      number[n] = num;
      label[n] = lab;
      n++;
    }

    void dropLabelsOutside(int classes, List<Path> files, DataOptions options, List<SkippedItem> skipped) {
      int kept = 0;
      for (int i = 0; i < n; i++) {
        if (label[i] >= classes) {
          DataException e = new DataException(files.get(file[i]) + " record " + number[i], "label " + label[i]
              + " is outside 0.." + (classes - 1) + " (" + classes + " class names given); fix the names, or "
              + DataException.SKIP_HINT);
          if (!options.skipBad()) {
            throw e;
          }
          skipped.add(SkippedItem.of(e));
          continue;
        }
        file[kept] = file[i];
        offset[kept] = offset[i];
        length[kept] = length[i];
        number[kept] = number[i];
        label[kept] = label[i];
        kept++;
      }
      n = kept;
    }
  }
}
