package dev.graft.bench;

import dev.graft.GraftModel;
import dev.graft.data.read.DataOptions;
import dev.graft.data.spec.DataSources;
import dev.graft.data.LabeledData;
import dev.graft.train.TrainResult;
import java.awt.image.BufferedImage;
import java.awt.image.WritableRaster;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import javax.imageio.ImageIO;

/**
 * Fine-tuning throughput with the batches prepared ahead on another thread (prefetch 2, Graft's default) and without
 * (prefetch 0), on data read from memory (IDX) and on the same images as JPEG files in class folders (decoded per
 * step). {@code last:2} keeps the backbone in every step, so no feature cache hides the reading.
 */
final class PrefetchRuns {

  /** One data source measured with and without prefetch: examples/s of the timed epochs, means over the rounds. */
  record Result(String source, int examples, double withoutExPerSec, double withExPerSec) {
    double gain() {
      return withExPerSec / withoutExPerSec;
    }
  }

  static final int DEPTH = 2;
  private static final String POLICY = "last:2";
  private static final int EPOCHS = 3;

  private final GraftRuns runs;
  private final int rounds;

  PrefetchRuns(GraftRuns runs, int rounds) {
    this.runs = runs;
    this.rounds = rounds;
  }

  /** Measures {@code data} (IDX) and the same images as JPEG folders, on {@code threads}. */
  List<Result> run(ThreadSetting threads, LabeledData data, Path scratch) {
    List<Result> results = new ArrayList<>();
    results.add(measure("IDX in memory", data, threads));
    Path folder = scratch.resolve("jpeg");
    writeJpegFolders(data, folder);
    results.add(measure("JPEG files in class folders", DataSources.open(folder.toString(),
        DataOptions.builder().build()), threads));
    return results;
  }

  /** Rounds of (without, with) and (with, without) in turn; each run's later epochs are timed. */
  private Result measure(String source, LabeledData data, ThreadSetting threads) {
    double without = 0;
    double with = 0;
    for (int round = 0; round < rounds; round++) {
      int[] order = round % 2 == 0 ? new int[] {0, DEPTH} : new int[] {DEPTH, 0};
      for (int depth : order) {
        double exPerSec = epochThroughput(data, threads, depth);
        if (depth == 0) {
          without += exPerSec / rounds;
        } else {
          with += exPerSec / rounds;
        }
      }
    }
    return new Result(source, data.size(), without, with);
  }

  private double epochThroughput(LabeledData data, ThreadSetting threads, int depth) {
    try (GraftModel model = runs.load(threads)) {
      model.replaceHead(GraftRuns.headSpec());
      TrainResult result = model.train(data, null, GraftRuns.config(EPOCHS, POLICY).optPrefetch(depth).build());
      // Epoch 1 builds the step's executor; the later epochs are the steady state.
      return result.history().subList(1, EPOCHS).stream().mapToDouble(m -> m.examplesPerSecond()).average()
          .orElseThrow();
    }
  }

  /** Writes every example of {@code data} (28x28 grayscale, pixels 0-255) as a JPEG under its class's folder. */
  private static void writeJpegFolders(LabeledData data, Path folder) {
    long[] shape = data.exampleShape();
    int height = (int) shape[0];
    int width = (int) shape[1];
    float[] pixels = new float[height * width];
    try {
      for (String name : data.classNames()) {
        Files.createDirectories(folder.resolve(name));
      }
      for (int i = 0; i < data.size(); i++) {
        data.readFloats(i, pixels, 0);
        BufferedImage image = new BufferedImage(width, height, BufferedImage.TYPE_BYTE_GRAY);
        WritableRaster raster = image.getRaster();
        for (int y = 0; y < height; y++) {
          for (int x = 0; x < width; x++) {
            raster.setSample(x, y, 0, Math.round(pixels[y * width + x]));
          }
        }
        Path file = folder.resolve(data.classNames().get(data.label(i))).resolve(String.format("%05d.jpg", i));
        if (!ImageIO.write(image, "jpg", file.toFile())) {
          throw new IllegalStateException("No JPEG writer in this JVM");
        }
      }
    } catch (IOException e) {
      throw new UncheckedIOException("Cannot write the JPEG copy of the data under " + folder, e);
    }
  }
}
