package dev.graft.train;

import dev.graft.data.Batch;
import dev.graft.data.LabeledData;
import dev.graft.data.LabeledDatas;
import java.util.Arrays;
import org.tensorflow.Tensor;
import org.tensorflow.ndarray.buffer.FloatDataBuffer;

/**
 * The frozen backbone's features of every example of one data set, kept in memory as batches pass through the
 * backbone, for the epochs that train the head on them alone.
 *
 * <p>Features land at their example's index, whatever order the batches come in; examples that never arrive
 * (unreadable and skipped) are left out of {@link #toData}.
 */
final class FeatureCache {

  private final int size;
  private final float[] values;
  private final boolean[] filled;
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
   */
  FeatureCache(int examples, int size) {
    this.size = size;
    this.values = new float[Math.multiplyExact(examples, size)];
    this.filled = new boolean[examples];
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
      buffer.slice((long) i * size, size).read(values, index * size, size);
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
    LabeledData all = LabeledDatas.inMemory(values, new long[] {size}, LabeledDatas.labels(source),
        source.classNames());
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
}
