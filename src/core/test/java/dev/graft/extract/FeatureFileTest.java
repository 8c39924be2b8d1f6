package dev.graft.extract;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertThrows;

import dev.graft.error.DataException;
import java.io.UncheckedIOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.SplittableRandom;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

class FeatureFileTest {

  @TempDir Path dir;

  @Test
  void rowsReadBackByPositionFromAnyThread() throws Exception {
    int width = 37;
    int rows = 5000;
    float[][] values = new float[rows][width];
    SplittableRandom random = new SplittableRandom(1);
    Path file = dir.resolve("rows.f32");
    FeatureFile data;
    try (FeatureFile.Writer writer = FeatureFile.writer(file, width)) {
      for (int i = 0; i < rows; i++) {
        for (int k = 0; k < width; k++) {
          values[i][k] = (float) random.nextGaussian();
        }
        writer.add(values[i], i % 3);
      }
      data = writer.finish(List.of("a", "b", "c"));
    }
    assertEquals((long) rows * width * 4, Files.size(file));
    assertEquals(rows, data.size());
    assertArrayEquals(new long[] {width}, data.exampleShape());
    Thread[] readers = new Thread[3];
    Throwable[] failure = new Throwable[1];
    for (int t = 0; t < readers.length; t++) {
      int start = t;
      readers[t] = new Thread(() -> {
        float[] row = new float[width + 2];
        for (int i = start; i < rows; i += 3) {
          data.readFloats(i, row, 2);
          for (int k = 0; k < width; k++) {
            if (row[k + 2] != values[i][k] || data.label(i) != i % 3) {
              failure[0] = new AssertionError("row " + i + " value " + k);
              return;
            }
          }
        }
      });
      readers[t].start();
    }
    for (Thread t : readers) {
      t.join();
    }
    assertEquals(null, failure[0]);
    data.delete();
    assertFalse(Files.exists(file));
  }

  @Test
  void refusesWrongWidthsLabelsAndExistingFiles() throws Exception {
    Path file = dir.resolve("rows.f32");
    try (FeatureFile.Writer writer = FeatureFile.writer(file, 2)) {
      IllegalArgumentException e = assertThrows(IllegalArgumentException.class, () -> writer.add(new float[3], 0));
      assertEquals("Feature row 0 holds 3 values, expected 2", e.getMessage());
      writer.add(new float[2], 4);
      DataException label = assertThrows(DataException.class, () -> writer.finish(List.of("a", "b")));
      assertEquals(file + ": row 0 has label 4 but there are 2 classes [a, b]", label.getMessage());
    }
    assertThrows(UncheckedIOException.class, () -> FeatureFile.writer(file, 2));
  }
}
