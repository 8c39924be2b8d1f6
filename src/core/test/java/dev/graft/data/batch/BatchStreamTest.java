package dev.graft.data.batch;

import dev.graft.data.ExampleKind;
import dev.graft.data.LabeledData;
import dev.graft.data.TestData;
import dev.graft.data.read.InMemoryData;
import dev.graft.data.transform.Augmentation;
import dev.graft.error.DataException;
import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import java.util.Random;
import org.junit.jupiter.api.Test;
import org.tensorflow.ndarray.Shape;
import org.tensorflow.ndarray.buffer.DataBuffers;
import org.tensorflow.types.TString;

class BatchStreamTest {

  private static final int N = 10;
  private static final long[] SHAPE = {4, 3, 2};
  private static final int SIZE = 24;

  private final float[] values = TestData.pixels(new Random(11), N * SIZE);
  private final LabeledData data = InMemoryData.of(values, SHAPE, new int[] {0, 1, 2, 0, 1, 2, 0, 1, 2, 0},
      List.of("a", "b", "c"));

  /** Values, labels and indices of every batch of an epoch, read and closed. */
  private static List<Object> drain(BatchIterator it) {
    List<Object> out = new ArrayList<>();
    try (it) {
      while (it.hasNext()) {
        try (Batch b = it.next()) {
          out.add(TestData.values(b));
          out.add(b.labelArray());
          out.add(b.indices());
        }
      }
    }
    return out;
  }

  private static void assertSameBatches(List<Object> a, List<Object> b) {
    assertEquals(a.size(), b.size());
    for (int i = 0; i < a.size(); i++) {
      if (a.get(i) instanceof float[] f) {
        assertArrayEquals(f, (float[]) b.get(i));
      } else {
        assertArrayEquals((int[]) a.get(i), (int[]) b.get(i));
      }
    }
  }

  @Test
  void batchesHaveShapesLabelsAndValues() {
    try (BatchStream s = BatchStream.builder().setData(data).setBatchSize(4).optShuffle(false).build()) {
      assertEquals(3, s.batchesPerEpoch());
      BatchIterator it = s.epoch(0);
      int[] sizes = new int[3];
      for (int b = 0; it.hasNext(); b++) {
        try (Batch batch = it.next()) {
          sizes[b] = batch.size();
          assertEquals(Shape.of(batch.size(), 4, 3, 2), batch.features().shape());
          assertEquals(Shape.of(batch.size()), batch.labels().shape());
          int[] labels = new int[batch.size()];
          batch.labels().copyTo(DataBuffers.of(labels, false, false));
          assertArrayEquals(batch.labelArray(), labels);
          assertArrayEquals(Arrays.copyOfRange(values, b * 4 * SIZE, (b * 4 + batch.size()) * SIZE),
              TestData.values(batch));
        }
      }
      assertArrayEquals(new int[] {4, 4, 2}, sizes);
    }
  }

  @Test
  void dropLastDropsThePartialBatch() {
    try (BatchStream s = BatchStream.builder().setData(data).setBatchSize(4).optDropLast(true).build()) {
      assertEquals(2, s.batchesPerEpoch());
      assertEquals(6, drain(s.epoch(0)).size());
    }
  }

  @Test
  void shuffleDependsOnlyOnSeedAndEpoch() {
    BatchStream a = BatchStream.builder().setData(data).setBatchSize(3).optSeed(5).build();
    BatchStream b = BatchStream.builder().setData(data).setBatchSize(3).optSeed(5).build();
    drain(a.epoch(0));
    assertArrayEquals(a.order(2), b.order(2));
    assertFalse(Arrays.equals(a.order(1), a.order(2)));
    int[] seen = new int[N];
    List<Object> batches = drain(b.epoch(2));
    for (int i = 2; i < batches.size(); i += 3) {
      for (int idx : (int[]) batches.get(i)) {
        seen[idx]++;
      }
    }
    int[] once = new int[N];
    Arrays.fill(once, 1);
    assertArrayEquals(once, seen);
    a.close();
    b.close();
  }

  @Test
  void prefetchAndWorkersGiveTheSameBatchesAsSynchronous() {
    Augmentation aug = Augmentation.builder().optFlip(true).optPadCrop(1).optBrightness(0.1f).build();
    BatchStream.Builder base = BatchStream.builder().setData(data).setBatchSize(3).optSeed(9).optAugmentation(aug);
    List<Object> sync;
    try (BatchStream s = base.optPrefetch(0).build()) {
      sync = drain(s.epoch(3));
    }
    try (BatchStream s = base.optPrefetch(2).build()) {
      assertSameBatches(sync, drain(s.epoch(3)));
    }
    try (BatchStream s = base.optPrefetch(1).optWorkers(2).setBatchSize(3).build()) {
      assertSameBatches(sync, drain(s.epoch(3)));
    }
    try (BatchStream s = base.optPrefetch(0).build()) {
      List<Object> other = drain(s.epoch(4));
      assertFalse(Arrays.equals((int[]) sync.get(2), (int[]) other.get(2)));
    }
  }

  @Test
  void closingEarlyStopsTheThreadAndClosesQueuedBatches() throws Exception {
    int before = Batch.openCount();
    LabeledData big = InMemoryData.of(new float[200 * SIZE], SHAPE, new int[200], List.of("a"));
    try (BatchStream s = BatchStream.builder().setData(big).setBatchSize(2).optPrefetch(4).build()) {
      BatchIterator it = s.epoch(0);
      try (Batch first = it.next()) {
        assertEquals(2, first.size());
      }
      long deadline = System.currentTimeMillis() + 5000;
      // four batches queued, a fifth built and waiting for room
      while (Batch.openCount() < before + 5 && System.currentTimeMillis() < deadline) {
        Thread.sleep(5);
      }
      assertEquals(before + 5, Batch.openCount(), "the queue should be full");
      it.close();
      assertEquals(before, Batch.openCount());
      assertFalse(it.hasNext());
      assertTrue(Thread.getAllStackTraces().keySet().stream()
          .noneMatch(t -> t.getName().startsWith("graft-batch-prefetch") && t.isAlive()));
      s.epoch(1);
    }
    assertEquals(before, Batch.openCount());
  }

  @Test
  void closedBatchRefusesUse() {
    try (BatchStream s = BatchStream.builder().setData(data).setBatchSize(4).optPrefetch(0).build()) {
      Batch b = s.epoch(0).next();
      b.close();
      b.close();
      assertTrue(b.isClosed());
      IllegalStateException e = assertThrows(IllegalStateException.class, b::features);
      assertTrue(e.getMessage().startsWith("Batch is closed"));
      assertThrows(IllegalStateException.class, b::labels);
      assertThrows(IllegalStateException.class, b::labelArray);
      assertEquals(4, b.size());
    }
  }

  @Test
  void closedStreamRefusesEpochs() {
    BatchStream s = BatchStream.builder().setData(data).setBatchSize(4).build();
    s.close();
    assertThrows(IllegalStateException.class, () -> s.epoch(0));
    assertThrows(IllegalArgumentException.class, () -> BatchStream.builder().setData(data).build());
    assertThrows(IllegalArgumentException.class, () -> BatchStream.builder().setBatchSize(3).build());
  }

  /** Data whose example 5 fails to read. */
  private LabeledData failingAt5() {
    return new LabeledData() {
      public int size() {
        return data.size();
      }

      public long[] exampleShape() {
        return data.exampleShape();
      }

      public ExampleKind kind() {
        return ExampleKind.FLOAT;
      }

      public List<String> classNames() {
        return data.classNames();
      }

      public int label(int index) {
        return data.label(index);
      }

      public void readFloats(int index, float[] dst, int offset) {
        if (index == 5) {
          throw new DataException("img/5.png", "cannot decode the image (test)");
        }
        data.readFloats(index, dst, offset);
      }
    };
  }

  @Test
  void readFailureSurfacesFromTheBackgroundThreadOrIsSkipped() {
    int before = Batch.openCount();
    try (BatchStream s = BatchStream.builder().setData(failingAt5()).setBatchSize(4).optShuffle(false).build()) {
      BatchIterator it = s.epoch(0);
      it.next().close();
      DataException e = assertThrows(DataException.class, () -> {
        while (it.hasNext()) {
          it.next().close();
        }
      });
      assertTrue(e.getMessage().startsWith("img/5.png: cannot decode"));
    }
    assertEquals(before, Batch.openCount());
    try (BatchStream s = BatchStream.builder().setData(failingAt5()).setBatchSize(4).optShuffle(false)
        .optSkipBad(true).build()) {
      List<Object> batches = drain(s.epoch(0));
      assertArrayEquals(new int[] {4, 6, 7}, (int[]) batches.get(5));
      assertEquals(1, s.skipped());
    }
  }

  @Test
  void stringDataGivesStringTensors() {
    List<byte[]> strings = List.of(new byte[] {1, 2}, new byte[] {}, new byte[] {3});
    LabeledData raw = new LabeledData() {
      public int size() {
        return 3;
      }

      public long[] exampleShape() {
        return new long[0];
      }

      public ExampleKind kind() {
        return ExampleKind.STRING;
      }

      public List<String> classNames() {
        return List.of("x", "y");
      }

      public int label(int index) {
        return index % 2;
      }

      public void readFloats(int index, float[] dst, int offset) {
        throw new UnsupportedOperationException();
      }

      public byte[] readBytes(int index) {
        return strings.get(index);
      }
    };
    try (BatchStream s = BatchStream.builder().setData(raw).setBatchSize(3).optShuffle(false).build();
        BatchIterator it = s.epoch(0);
        Batch b = it.next()) {
      TString t = (TString) b.features();
      assertEquals(Shape.of(3), t.shape());
      for (int i = 0; i < 3; i++) {
        assertArrayEquals(strings.get(i), t.asBytes().getObject(i));
      }
      assertArrayEquals(new int[] {0, 1, 0}, b.labelArray());
    }
  }

  @Test
  void augmentationNeedsImages() {
    LabeledData vectors = InMemoryData.of(new float[4], new long[] {2}, new int[] {0, 0}, List.of("a"));
    assertThrows(IllegalArgumentException.class, () -> BatchStream.builder().setData(vectors).setBatchSize(1)
        .optAugmentation(Augmentation.builder().optFlip(true).build()).build());
  }

  @Test
  void forwardBatchesOfLargeExamplesStayUnderTheByteLimit() {
    assertEquals(256, BatchStream.forwardBatchSize(shaped(28, 28, 1)), "Fashion-MNIST keeps batches of 256");
    assertEquals(64, BatchStream.forwardBatchSize(shaped(224, 224, 3)), "224x224 RGB: 64 x 602 KB = 38.5 MB");
    assertEquals(16, BatchStream.forwardBatchSize(shaped(512, 512, 3)));
    assertEquals(1, BatchStream.forwardBatchSize(shaped(8192, 8192, 3)), "an example past the limit goes alone");
  }

  /** Data of one example of {@code shape}, values never read. */
  private static LabeledData shaped(long... shape) {
    return new LabeledData() {
      @Override
      public int size() {
        return 1;
      }

      @Override
      public long[] exampleShape() {
        return shape.clone();
      }

      @Override
      public ExampleKind kind() {
        return ExampleKind.FLOAT;
      }

      @Override
      public List<String> classNames() {
        return List.of("a");
      }

      @Override
      public int label(int index) {
        return 0;
      }

      @Override
      public void readFloats(int index, float[] dst, int offset) {
        throw new UnsupportedOperationException("not read by forwardBatchSize");
      }
    };
  }
}
