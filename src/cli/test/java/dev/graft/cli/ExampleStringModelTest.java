package dev.graft.cli;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import com.fasterxml.jackson.databind.ObjectMapper;
import dev.graft.data.read.internal.TfRecords;
import dev.graft.model.LoadedModel;
import dev.graft.testing.SharedModels;
import dev.graft.testing.RandomInputs;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.tensorflow.proto.Example;
import org.tensorflow.proto.Feature;
import org.tensorflow.proto.Int64List;

/** A model whose input is serialized tf.Example strings retrains from a TFRecord and keeps its parser. */
class ExampleStringModelTest {

  @TempDir Path dir;

  @Test
  void penguinModelRetrainsFromTfRecordsAndEvaluates() throws Exception {
    Path model = SharedModels.model("tfx-penguin-tfexample-tf23");
    List<byte[]> records = new ArrayList<>();
    try (LoadedModel loaded = LoadedModel.load(model, LoadedModel.LoadOptions.defaults())) {
      // Three balanced classes: the tertile of one input feature, which the parsed features carry.
      java.util.Random random = new java.util.Random(8);
      for (int i = 0; i < 300; i++) {
        Example example = RandomInputs.example(loaded.graph(), random);
        String key = new java.util.TreeSet<>(example.getFeatures().getFeatureMap().keySet()).first();
        float value = example.getFeatures().getFeatureMap().get(key).getFloatList().getValue(0);
        long species = value < 10 / 3f ? 0 : value < 20 / 3f ? 1 : 2;
        records.add(example.toBuilder().mergeFeatures(example.getFeatures().toBuilder()
            .putFeature("species", Feature.newBuilder().setInt64List(Int64List.newBuilder().addValue(species))
                .build()).build()).build().toByteArray());
      }
    }
    Path file = dir.resolve("penguins.tfrecord");
    TfRecords.write(file, records);
    CliRunner retrain = CliRunner.run("retrain", "--model", model.toString(), "--data", "tfrecord:" + file,
        "--label-key", "species", "--epochs", "30", "--lr", "0.01", "--out", dir.resolve("out").toString());
    assertEquals(0, retrain.exitCode(), retrain.err() + retrain.out());
    // the cut lies inside the model, past its tf.Example parsing front end
    assertTrue(java.util.regex.Pattern.compile("cut at layer '[^']+': StatefulPartitionedCall/").matcher(retrain.out())
        .find(), retrain.out());
    CliRunner evaluate = CliRunner.run("evaluate", "--model", dir.resolve("out/1").toString(), "--data",
        "tfrecord:" + file, "--label-key", "species", "--json");
    assertEquals(0, evaluate.exitCode(), evaluate.err());
    double accuracy = new ObjectMapper().readTree(evaluate.out()).get("accuracy").asDouble();
 assertTrue(accuracy > 0.5, "3 balanced classes, chance 0.33: " + accuracy + "\n" + retrain.out() + evaluate.out());
  }
}
