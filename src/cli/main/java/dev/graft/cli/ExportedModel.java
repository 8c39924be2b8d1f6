package dev.graft.cli;

import dev.graft.error.GraftException;
import dev.graft.data.batch.Batch;
import dev.graft.data.LabeledData;
import dev.graft.data.view.LabeledDatas;
import dev.graft.data.transform.Preprocessing;
import dev.graft.export.ExportMetadata;
import dev.graft.feature.ForwardPass;
import dev.graft.graph.TensorRef;
import dev.graft.model.LoadedModel;
import dev.graft.model.SavedModelDir;
import dev.graft.model.SignatureInfo;
import dev.graft.model.TensorSpec;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Arrays;
import java.util.List;
import java.util.function.BiConsumer;
import org.tensorflow.SavedModelBundle;
import org.tensorflow.exceptions.TensorFlowException;

/** A Graft export loaded for inference through TensorFlow's own SavedModel loader. */
final class ExportedModel implements AutoCloseable {

  final SavedModelBundle bundle;
  final SignatureInfo signature;
  final TensorSpec input;
  final TensorSpec probabilities;
  final List<String> labels;
  /** How decoded examples are scaled before they are fed: what the export's clients do. */
  final Preprocessing preprocessing;

  ExportedModel(Path dir) {
    SavedModelDir saved = SavedModelDir.open(dir, "serve");
    this.signature = saved.signature("serving_default");
    this.probabilities = signature.outputs().stream().filter(t -> t.key().equals("probabilities")).findFirst()
        .orElseThrow(() -> new GraftException("Model " + dir + " has no 'probabilities' output: it is not a Graft "
            + "export. Retrain it with 'graft retrain --model " + dir + "' first."));
    if (signature.inputs().size() != 1) {
      throw new GraftException("Model " + dir + " takes " + signature.inputs().size() + " inputs; a Graft export takes"
          + " one.");
    }
    this.input = signature.inputs().get(0);
    Path labelFile = dir.resolve("assets/labels.txt");
    try {
      this.labels = Files.readAllLines(labelFile).stream().filter(l -> !l.isEmpty()).toList();
    } catch (IOException | java.io.UncheckedIOException e) {
      throw new GraftException("Cannot read " + labelFile + " (" + e.getMessage() + "); the export is incomplete.", e);
    }
    long[] shape = probabilities.shape();
    long columns = shape != null && shape.length == 2 ? shape[1] : -1;
    if (columns > 0 && columns != labels.size()) {
      throw new GraftException(labelFile + " lists " + labels.size() + " class names but the model's 'probabilities' "
          + "output has " + columns + " columns; the file does not belong to this model: restore the export's own "
          + "labels.txt (one class name a line, in label order).");
    }
    if (labels.size() < 2) {
      throw new GraftException(labelFile + " lists " + labels.size() + " class names; an export has at least 2.");
    }
    this.preprocessing = ExportMetadata.read(dir).map(ExportMetadata::clientPreprocessing).orElse(Preprocessing.none());
    try {
      this.bundle = SavedModelBundle.load(dir.toString(), "serve");
    } catch (TensorFlowException | IllegalArgumentException e) {
      throw new GraftException(LoadedModel.loadFailure(dir, e), e);
    }
  }

  /** The example shape the model takes (input shape without the batch dimension). */
  long[] exampleShape() {
    return input.shape() == null || input.shape().length == 0 ? new long[0]
        : Arrays.copyOfRange(input.shape(), 1, input.shape().length);
  }

  /**
   * Runs every example of {@code data} (decoded values: they get the export's recorded preprocessing) and hands each
   * batch's probabilities over; with {@code skipBad}, examples that fail to read are left out.
   */
  void predict(LabeledData data, boolean skipBad, BiConsumer<float[], Batch> onBatch) {
    LabeledData scaled = LabeledDatas.preprocessed(data, preprocessing);
    new ForwardPass(bundle.session(), TensorRef.parse(input.tensor()).in(bundle.graph()),
        TensorRef.parse(probabilities.tensor()).in(bundle.graph()), labels.size())
        .whenMisshapen("Its labels.txt lists " + labels.size() + " classes; the export's labels.txt does not belong "
            + "to it.")
        .run(scaled, skipBad, onBatch::accept);
  }

  @Override
  public void close() {
    bundle.close();
  }
}
