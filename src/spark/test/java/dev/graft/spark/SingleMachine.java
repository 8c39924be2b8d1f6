package dev.graft.spark;

import dev.graft.head.CutChoice;
import dev.graft.Graft;
import dev.graft.GraftModel;
import dev.graft.data.batch.Batch;
import dev.graft.data.batch.BatchIterator;
import dev.graft.data.batch.BatchStream;
import dev.graft.data.read.DataOptions;
import dev.graft.data.spec.DataSources;
import dev.graft.data.LabeledData;
import dev.graft.data.view.LabeledDatas;
import dev.graft.data.transform.Preprocessing;
import dev.graft.data.read.internal.ImageDecoder;
import dev.graft.data.read.internal.ImageTarget;
import dev.graft.feature.Featurizer;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import java.util.stream.Stream;
import org.tensorflow.Result;

/**
 * Graft's features on one machine, computed as {@code retrain}'s head-only training caches them: the image folder
 * read with the model's input size, scaled, batches of 256 through the backbone to the cut.
 */
final class SingleMachine {

  /**
   * The features of every image of a folder, rows in the folder's order.
   *
   * @param files receives each row's file, in the same order
   */
  static float[][] features(Path modelDir, Path folder, String preprocess, List<Path> files) throws IOException {
    try (GraftModel model = Graft.load(modelDir, CutChoice.none())) {
      model.withPreprocessing(Preprocessing.parse(preprocess));
      long[] shape = model.model().input().shape();
      LabeledData data = LabeledDatas.preprocessed(DataSources.open(folder.toString(),
          DataOptions.builder().optTargetShape(Arrays.copyOfRange(shape, 1, shape.length)).build()),
          model.preprocessing());
      int width = (int) model.cut().featureSize();
      float[] all = cutFeatures(model, data);
      float[][] rows = new float[data.size()][];
      for (int i = 0; i < rows.length; i++) {
        rows[i] = Arrays.copyOfRange(all, i * width, (i + 1) * width);
      }
      files.addAll(imageFiles(folder));
      if (files.size() != rows.length) {
        throw new IllegalStateException("listed " + files.size() + " files for " + rows.length + " rows");
      }
      return rows;
    }
  }

  /**
   * The cut features of every example of {@code data} (values already scaled), in batches of 256 through the
   * backbone, as one array of rows in data order: what the head-only feature cache holds.
   */
  static float[] cutFeatures(GraftModel model, LabeledData data) {
    int width = (int) model.cut().featureSize();
    float[] rows = new float[data.size() * width];
    try (BatchStream stream = BatchStream.builder().setData(data).setBatchSize(256).optShuffle(false).build();
        BatchIterator batches = stream.epoch(0)) {
      while (batches.hasNext()) {
        try (Batch batch = batches.next();
            Result result = model.model().session().runner().feed(model.model().input().tensor(), batch.features())
                .fetch(model.cut().features()).run()) {
          float[] all = new float[batch.size() * width];
          result.get(0).asRawTensor().data().asFloats().read(all);
          for (int i = 0; i < batch.size(); i++) {
            System.arraycopy(all, i * width, rows, batch.index(i) * width, width);
          }
        }
      }
    }
    return rows;
  }

  /**
   * The features of {@code files} decoded with ImageIO, as Spark's {@code image} source decodes them (Graft decodes
   * JPEG files with TensorFlow's decoder, whose pixels differ from ImageIO's by a few levels), then scaled and run to
   * the cut as {@link #features} does.
   */
  static float[][] featuresDecodedWithImageIo(Path modelDir, List<Path> files, String preprocess) throws IOException {
    try (GraftModel model = Graft.load(modelDir, CutChoice.none())) {
      Featurizer featurizer = model.withPreprocessing(Preprocessing.parse(preprocess)).featurizer();
      float[][] rows = new float[files.size()][];
      for (int i = 0; i < files.size(); i++) {
        ImageDecoder.Image image = ImageDecoder.decodeWithImageIo(Files.readAllBytes(files.get(i)),
            files.get(i).toString());
        long[] shape = model.model().input().shape();
        ImageTarget target = new ImageTarget((int) shape[1], (int) shape[2], (int) shape[3], false, false);
        float[] pixels = new float[target.size()];
        target.write(image, pixels, 0, files.get(i).toString());
        rows[i] = featurizer.compute(pixels, 1);
      }
      return rows;
    }
  }

  /** The images of a folder of class folders in the order Graft reads them: classes, then paths, sorted. */
  static List<Path> imageFiles(Path folder) throws IOException {
    List<Path> files = new ArrayList<>();
    try (Stream<Path> classes = Files.list(folder)) {
      for (Path cls : classes.filter(Files::isDirectory).sorted().toList()) {
        try (Stream<Path> images = Files.walk(cls)) {
          images.filter(Files::isRegularFile).filter(p -> p.toString().matches("(?i).*\\.(jpe?g|png)$"))
              .map(p -> folder.relativize(p).toString()).sorted().forEach(p -> files.add(folder.resolve(p)));
        }
      }
    }
    return files;
  }
}
