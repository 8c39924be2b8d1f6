package dev.graft.train;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.graft.data.batch.Batch;
import dev.graft.data.batch.BatchIterator;
import dev.graft.data.batch.BatchStream;
import dev.graft.data.LabeledData;
import dev.graft.data.read.InMemoryData;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.stream.Stream;
import org.junit.jupiter.api.Test;
import org.tensorflow.ndarray.Shape;
import org.tensorflow.ndarray.buffer.DataBuffers;
import org.tensorflow.types.TFloat32;

/** Cached features on the heap and, past the memory budget, in a memory-mapped file: the same rows either way. */
class FeatureCacheTest {

  private static final int EXAMPLES = 300;
  private static final int SIZE = 7;

  @Test
  void aCachePastItsBudgetIsMappedAndHoldsTheSameRows() throws Exception {
    float[] values = new float[EXAMPLES * SIZE];
    for (int i = 0; i < values.length; i++) {
      values[i] = (float) Math.sin(i);
    }
    int[] labels = new int[EXAMPLES];
    for (int i = 0; i < EXAMPLES; i++) {
      labels[i] = i % 3;
    }
    LabeledData source = InMemoryData.of(values, new long[] {SIZE}, labels, List.of("a", "b", "c"));
    List<Path> before = cacheFiles();
    LabeledData onHeap;
    try (FeatureCache heap = fill(source, Long.MAX_VALUE)) {
      assertFalse(heap.mapped());
      onHeap = heap.toData(source);
      try (FeatureCache mapped = fill(source, 1024)) {
        assertTrue(mapped.mapped(), "300 x 7 floats are more than 1024 bytes");
        List<Path> files = cacheFiles();
        files.removeAll(before);
        assertEquals(1, files.size(), "one temporary file: " + files);
        LabeledData inFile = mapped.toData(source);
        assertEquals(EXAMPLES, inFile.size());
        float[] a = new float[SIZE];
        float[] b = new float[SIZE];
        for (int i = 0; i < EXAMPLES; i++) {
          onHeap.readFloats(i, a, 0);
          inFile.readFloats(i, b, 0);
          assertArrayEquals(a, b, "row " + i);
          assertArrayEquals(java.util.Arrays.copyOfRange(values, i * SIZE, (i + 1) * SIZE), b);
          assertEquals(labels[i], inFile.label(i));
        }
        mapped.close();
        assertFalse(Files.exists(files.get(0)), "closing deletes the file");
      }
    }
  }

  /** Fills a cache as the feature pass does: shuffled batches, each one's rows as a tensor. */
  private static FeatureCache fill(LabeledData source, long budget) {
    FeatureCache cache = new FeatureCache(source.size(), SIZE, budget);
    try (BatchStream stream = BatchStream.builder().setData(source).setBatchSize(64).optSeed(3).build();
        BatchIterator batches = stream.epoch(0)) {
      while (batches.hasNext()) {
        try (Batch batch = batches.next()) {
          float[] rows = new float[batch.size() * SIZE];
          batch.features().asRawTensor().data().asFloats().read(rows);
          try (TFloat32 t = TFloat32.tensorOf(Shape.of(batch.size(), SIZE), DataBuffers.of(rows, true, false))) {
            cache.put(batch, t);
          }
        }
      }
    }
    assertEquals(source.size(), cache.count());
    return cache;
  }

  private static List<Path> cacheFiles() throws Exception {
    try (Stream<Path> files = Files.list(Path.of(System.getProperty("java.io.tmpdir")))) {
      return new java.util.ArrayList<>(files.filter(p -> p.getFileName().toString().startsWith("graft-features-"))
          .toList());
    }
  }
}
