package dev.graft.export;

import dev.graft.head.CutChoice;
import static org.junit.jupiter.api.Assertions.assertEquals;

import dev.graft.Graft;
import dev.graft.GraftModel;
import dev.graft.data.read.DataOptions;
import dev.graft.data.spec.DataSources;
import dev.graft.data.LabeledData;
import dev.graft.data.view.LabeledDatas;
import dev.graft.head.HeadSpec;
import dev.graft.testing.Tensors;
import dev.graft.train.FreezePolicy;
import dev.graft.train.TrainConfig;
import java.io.File;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.stream.IntStream;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.tensorflow.Result;
import org.tensorflow.ndarray.Shape;
import org.tensorflow.ndarray.buffer.DataBuffers;
import org.tensorflow.types.TFloat32;

/** A fresh JVM loads the export with TensorFlow's loader and predicts what the training session predicted. */
class FreshJvmRoundTripTest {

  @TempDir Path dir;

  @Test
  void freshJvmPredictsWhatTheSessionPredicted() throws Exception {
    DataOptions options = DataOptions.builder().optClasses("5,6,7,8,9").build();
    LabeledData train = LabeledDatas.subset(DataSources.open("fashion-mnist-subset:train", options),
        IntStream.range(0, 600).toArray());
    LabeledData test = DataSources.open("fashion-mnist-subset:test", options);
    int n = 16;
    float[] raw = new float[n * 784];
    for (int i = 0; i < n; i++) {
      test.readFloats(i, raw, i * 784);
    }
    float[] inSession;
    Path export;
    try (GraftModel model = Graft.load(Path.of("savedmodels/fashion_cnn"), CutChoice.none())) {
      model.replaceHead(HeadSpec.builder().setNumClasses(5).optHidden(32).optDropout(0.3f).build());
      model.train(train, null, TrainConfig.builder().setEpochs(1).optFreeze(FreezePolicy.last(1)).build());
      float[] scaled = raw.clone();
      for (int i = 0; i < scaled.length; i++) {
        scaled[i] /= 255f;
      }
      try (TFloat32 x = TFloat32.tensorOf(Shape.of(n, 28, 28, 1), DataBuffers.of(scaled, true, false));
          Result r = model.model().session().runner().feed(model.model().input().tensor(), x)
              .fetch(model.head().probabilities()).run()) {
        inSession = Tensors.floats(r.get(0));
      }
      export = model.export(dir.resolve("out"), ExportOptions.defaults());
    }
    Path input = dir.resolve("input.bin");
    Path output = dir.resolve("output.bin");
    float[] scaled = raw.clone();
    for (int i = 0; i < scaled.length; i++) {
      scaled[i] /= 255f;
    }
    // the default export is a drop-in: it takes the [0,1] values the source model took
    ExportProbe.writeFloats(input, scaled);
    List<String> command = new ArrayList<>(List.of(
        Path.of(System.getProperty("java.home"), "bin", "java").toString(),
        "-cp", System.getProperty("java.class.path"), ExportProbe.class.getName(),
        export.toString(), "input_1", input.toString(), output.toString(), "" + n, "28", "28", "1"));
    Process process = new ProcessBuilder(command).redirectErrorStream(true)
        .redirectOutput(dir.resolve("probe.log").toFile()).start();
    int code = process.waitFor();
    assertEquals(0, code, () -> "probe failed: " + readLog(dir.resolve("probe.log").toFile()));
    float[] fresh = ExportProbe.readFloats(output);
    assertEquals(inSession.length, fresh.length);
    for (int i = 0; i < fresh.length; i++) {
      assertEquals(inSession[i], fresh[i], 1e-6, "probability " + i);
    }
  }

  private static String readLog(File file) {
    try {
      return java.nio.file.Files.readString(file.toPath());
    } catch (java.io.IOException e) {
      return e.toString();
    }
  }
}
