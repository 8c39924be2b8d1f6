package dev.graft.cli;

import dev.graft.GraftException;
import dev.graft.data.Batch;
import dev.graft.data.BatchIterator;
import dev.graft.data.BatchStream;
import dev.graft.data.LabeledData;
import dev.graft.model.SavedModelDir;
import dev.graft.model.SignatureInfo;
import dev.graft.model.TensorSpec;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Arrays;
import java.util.List;
import java.util.function.BiConsumer;
import org.tensorflow.Result;
import org.tensorflow.SavedModelBundle;
import org.tensorflow.exceptions.TensorFlowException;

/** A Graft export loaded for inference through TensorFlow's own SavedModel loader. */
final class ExportedModel implements AutoCloseable {

  final SavedModelBundle bundle;
  final SignatureInfo signature;
  final TensorSpec input;
  final List<String> labels;

  ExportedModel(Path dir) {
    SavedModelDir saved = SavedModelDir.open(dir, "serve");
    this.signature = saved.signature("serving_default");
    if (signature.outputs().stream().noneMatch(t -> t.key().equals("probabilities"))) {
      throw new GraftException("Model " + dir + " has no 'probabilities' output: it is not a Graft export. "
          + "Retrain it with 'graft retrain --model " + dir + "' first.");
    }
    this.input = signature.inputs().get(0);
    Path labelFile = dir.resolve("assets/labels.txt");
    try {
      this.labels = Files.readAllLines(labelFile).stream().filter(l -> !l.isEmpty()).toList();
    } catch (IOException e) {
      throw new GraftException("Cannot read " + labelFile + " (" + e.getMessage() + "); the export is incomplete.", e);
    }
    try {
      this.bundle = SavedModelBundle.load(dir.toString(), "serve");
    } catch (TensorFlowException e) {
      throw new GraftException("TensorFlow could not load " + dir + ": " + e.getMessage(), e);
    }
  }

  /** The example shape the model takes (input shape without the batch dimension). */
  long[] exampleShape() {
    return input.shape() == null || input.shape().length == 0 ? new long[0]
        : Arrays.copyOfRange(input.shape(), 1, input.shape().length);
  }

  /** Runs every example of {@code data} (raw values: the export scales them) and hands each batch's probabilities over. */
  void predict(LabeledData data, BiConsumer<float[], Batch> onBatch) {
    try (BatchStream stream = BatchStream.builder().setData(data).setBatchSize(BatchStream.forwardBatchSize(data))
        .optShuffle(false).build();
        BatchIterator batches = stream.epoch(0)) {
      while (batches.hasNext()) {
        try (Batch batch = batches.next();
            Result result = bundle.session().runner().feed(input.tensor(), batch.features())
                .fetch(signature.outputs().stream().filter(t -> t.key().equals("probabilities")).findFirst()
                    .orElseThrow().tensor()).run()) {
          float[] p = new float[batch.size() * labels.size()];
          result.get(0).asRawTensor().data().asFloats().read(p);
          onBatch.accept(p, batch);
        }
      }
    }
  }

  @Override
  public void close() {
    bundle.close();
  }
}
