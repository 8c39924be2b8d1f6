package dev.graft.data.read;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;

import dev.graft.data.batch.Batch;
import dev.graft.data.batch.BatchIterator;
import dev.graft.data.batch.BatchStream;
import dev.graft.data.spec.DataSources;
import dev.graft.data.LabeledData;
import dev.graft.data.view.LabeledDatas;
import dev.graft.data.TestData;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Random;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** The same pixels as PNG files in class folders and as IDX files give the same tensors. */
class FolderIdxEquivalenceTest {

  @TempDir
  Path dir;

  @Test
  void folderAndIdxGiveIdenticalTensors() throws Exception {
    int n = 12;
    int h = 7;
    int w = 6;
    Random rng = new Random(21);
    float[] all = TestData.pixels(rng, n * h * w);
    byte[] labels = new byte[n];
    for (int i = 0; i < n; i++) {
      labels[i] = (byte) (i % 3);
      float[] img = java.util.Arrays.copyOfRange(all, i * h * w, (i + 1) * h * w);
      // names sort in index order within each class folder, so the folder order is by class, then index
      TestData.write(dir.resolve("images/" + (i % 3) + "/img" + (100 + i) + ".png"), img, h, w, 1);
    }
    Files.write(dir.resolve("images.idx"), TestData.idx(new int[] {n, h, w}, TestData.bytes(all)));
    Files.write(dir.resolve("labels.idx"), TestData.idx(new int[] {n}, labels));

    for (long[] target : new long[][] {null, {10, 9, 3}}) {
      DataOptions.Builder options = DataOptions.builder();
      if (target != null) {
        options.optTargetShape(target);
      }
      LabeledData folder = DataSources.open("folder:" + dir.resolve("images"), options.build());
      LabeledData idx = DataSources.open("idx:" + dir.resolve("images.idx") + "," + dir.resolve("labels.idx"),
          options.build());
      assertEquals(folder.classNames(), idx.classNames());
      int[] byClass = new int[n];
      for (int i = 0, k = 0; i < 3; i++) {
        for (int j = i; j < n; j += 3) {
          byClass[k++] = j;
        }
      }
      List<float[]> a = tensors(folder);
      List<float[]> b = tensors(LabeledDatas.subset(idx, byClass));
      assertEquals(a.size(), b.size());
      for (int i = 0; i < a.size(); i++) {
        assertArrayEquals(a.get(i), b.get(i));
      }
    }
  }

  private static List<float[]> tensors(LabeledData data) {
    List<float[]> out = new ArrayList<>();
    try (BatchStream s = BatchStream.builder().setData(data).setBatchSize(5).optSeed(3).build();
        BatchIterator it = s.epoch(0)) {
      while (it.hasNext()) {
        try (Batch b = it.next()) {
          out.add(TestData.values(b));
          out.add(b.labelArray().length == 0 ? new float[0] : toFloats(b.labelArray()));
        }
      }
    }
    return out;
  }

  private static float[] toFloats(int[] a) {
    float[] f = new float[a.length];
    for (int i = 0; i < a.length; i++) {
      f[i] = a[i];
    }
    return f;
  }
}
