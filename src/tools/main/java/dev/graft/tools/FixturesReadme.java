package dev.graft.tools;

import java.util.Arrays;
import java.util.List;
import java.util.Locale;
import org.tensorflow.TensorFlow;

/** Renders {@code savedmodels/README.md} from what {@link MakeFixtures} trained and measured. */
final class FixturesReadme {

  /** What the tests prove with the models real Python writes (see {@code src/python/make_fixtures.py}). */
  static final String PYTHON_SECTION = new StringBuilder()
      .append("## Proven with Python TensorFlow\n")
      .append("\n")
      .append("These two models are written in Java, imitating Python's layouts. Real Python writes a second set before the\n")
      .append("tests: `src/python/make_fixtures.py` (run by `mvn test` through `src/python/bootstrap.sh`, with the\n")
      .append("versions pinned in `src/python/requirements.txt`: TensorFlow 2.21.0, Keras 3.15.1, tf-keras 2.21.0) exports\n")
      .append("Keras 3 `model.export()`, `tf.saved_model.save()` of a Keras 3 model, tf-keras `model.save(save_format='tf')`, a\n")
      .append("`tf.Module` with a `@tf.function` signature, MobileNetV2, EfficientNetB0, ResNet50V2, MobileNet v1 0.25 with its\n")
      .append("ImageNet weights (a pooled Dense head, and Keras's own top), the Teachable Machine layout, a model with\n")
      .append("preprocessing and augmentation layers, one with Dropout and LayerNormalization, a text classifier with a\n")
      .append("`TextVectorization` lookup table, and a `tf.Module` whose lookup table reads a vocabulary file, into\n")
      .append("`target/python-fixtures/`. Each folder's `fixture.json` names the head\n")
      .append("layer and holds Python's reference input and output. What the tests prove with them:\n")
      .append("\n")
      .append("- `dev.graft.python.PythonFixtureContractTest`: every fixture loads; the flattened graph answers Python's\n")
      .append("  reference output and the original signature as TensorFlow's own loader runs it (at most 1e-5 apart); the head is\n")
      .append("  found at the layer `fixture.json` names (Keras's 1x1-convolution MobileNet top too); a\n")
      .append("  new head learns a linear task of the backbone's features with every backbone variable bit-identical.\n")
      .append("- `dev.graft.python.PythonClientTest`: for each fixture and `--train head`, `last:2` and `all` (`head` only for\n")
      .append("  the four largest 224x224 networks), Python loads Graft's export with `tf.saved_model.load` and with Keras's\n")
      .append("  `TFSMLayer` and both answer Graft's probabilities (1e-5), `class_ids` and `labels`; `TFLiteConverter` converts\n")
      .append("  it and the TFLite interpreter agrees (1e-4); the `--keep-old-head` export's `original` signature answers what\n")
      .append("  the source model answers in Python.\n")
      .append("- `dev.graft.python.GoldenStepTest`: one step of SGD and of Adam, head-only and every layer, on MobileNetV2,\n")
      .append("  EfficientNetB0 and a small Keras CNN, from the same starting weights and batch: every variable Graft updates\n")
      .append("  agrees with `tf.GradientTape` and the Keras optimizer within 1e-4 of its update (as norms; single elements\n")
      .append("  within 1e-3, since Adam's first step divides each gradient element by its size plus 1e-7).\n")
      .append("- `dev.graft.train.MissingGradientsTest`: the gradients Graft registers for `EnsureShape` and `ResourceGather`,\n")
      .append("  which TensorFlow's C++ registry lacks, are Python's.\n")
      .append("\n")
      .toString();

  private FixturesReadme() {}

  /**
   * One written fixture and what was measured.
   *
   * @param model the model
   * @param trained the training history
   * @param measured accuracy and equivalence on the test images
   */
  record Fixture(FixtureModel model, List<FixtureTrainer.Epoch> trained, FixtureCheck.Measured measured) {}

  static String render(List<Fixture> fixtures, String command, FixtureTrainer.Settings settings, int trainImages) {
    StringBuilder md = new StringBuilder();
    md.append("# Fixture models\n\n")
        .append("Small pretrained models that Graft's tests and the README's default job use. They are made by\n")
        .append("`dev.graft.tools.MakeFixtures` from Fashion-MNIST, in Java with TensorFlow Java; this file is\n")
        .append("written by the same run. Do not edit these folders by hand: run the command again.\n\n")
        .append("## How they were made\n\n")
        .append("```\nmvn -q package -DskipTests\n").append(command).append("\n```\n\n")
        .append(String.format(Locale.ROOT, "- Data: the %,d Fashion-MNIST training images of classes 0-4 ", trainImages))
        .append("(T-shirt/top, Trouser, Pullover, Dress, Coat), pixels scaled to [0,1]; input float `[-1,28,28,1]`.\n")
        .append(String.format(Locale.ROOT, "- Training: Adam (learning rate %s, beta1 0.9, beta2 0.999, epsilon 1e-7), "
            + "batch %d, %d epochs, softmax cross-entropy; seed %d for Glorot-uniform initial values and shuffling.\n",
            settings.learningRate(), settings.batchSize(), settings.epochs(), settings.seed()))
        .append(String.format(Locale.ROOT, "- Runtime: TensorFlow %s (TensorFlow Java 1.1.0), CPU, %d thread(s) per op. "
            + "The same command on the same TensorFlow build and CPU kind gives the same files; the thread "
            + "count changes the order of float sums and so the weights.\n\n", TensorFlow.version(), settings.threads()))
        .append("Class indices: 0 T-shirt/top, 1 Trouser, 2 Pullover, 3 Dress, 4 Coat.\n\n");

    md.append("## Test accuracy\n\n")
        .append("On the Fashion-MNIST test images (t10k) of classes 0-4, in file order. \"TensorFlow\" is the\n")
        .append("`serving_default` signature loaded by `SavedModelBundle.load(dir, \"serve\")`; \"Graft\" is the same\n")
        .append("signature in the graph `dev.graft.model.LoadedModel` flattens.\n\n")
        .append("| model | images | accuracy (TensorFlow) | accuracy (Graft, flattened) | same prediction | max abs diff |\n")
        .append("|---|---|---|---|---|---|\n");
    for (Fixture f : fixtures) {
      FixtureCheck.Measured m = f.measured();
      md.append(String.format(Locale.ROOT, "| `%s` | %d | %.4f | %.4f | %d/%d | %.1e |\n", f.model().name(), m.images(),
          m.accuracy(), m.flatAccuracy(), m.samePredictions(), m.images(), m.maxAbsDiff()));
    }
    md.append('\n');

    for (Fixture f : fixtures) {
      md.append("## `").append(f.model().name()).append("`\n\n")
          .append(layout(f.model())).append("\n\n")
          .append(signature(f.model())).append("\n\n")
          .append("| layer | what | variables |\n|---|---|---|\n");
      for (Layer layer : f.model().layers()) {
        md.append("| `").append(layer.name()).append("` | ").append(layer.describe()).append(" | ");
        md.append(String.join(", ", layer.variables().stream()
            .map(v -> "`" + v.name() + "` " + Arrays.toString(v.shape()).replace(" ", "")
                + (v.trainable() ? "" : " (not trainable)"))
            .toList()));
        md.append(" |\n");
      }
      long params = f.model().variables().stream().mapToLong(VariableSpec::size).sum();
      md.append(String.format(Locale.ROOT, "\n%,d parameters. Training history:\n\n", params))
          .append("| epoch | mean training loss | test accuracy |\n|---|---|---|\n");
      for (FixtureTrainer.Epoch e : f.trained()) {
        md.append(String.format(Locale.ROOT, "| %d | %.4f | %.4f |\n", e.epoch(), e.loss(), e.testAccuracy()));
      }
      md.append('\n');
    }

    md.append(PYTHON_SECTION);

    md.append("## Data licence\n\n")
        .append("The models were trained on Fashion-MNIST (https://github.com/zalandoresearch/fashion-mnist),\n")
        .append("which is distributed under the MIT License:\n\n")
        .append("> The MIT License (MIT)\n>\n")
        .append("> Copyright © 2017 Zalando SE, https://tech.zalando.com\n>\n")
        .append("> Permission is hereby granted, free of charge, to any person obtaining a copy of this software and\n")
        .append("> associated documentation files (the \"Software\"), to deal in the Software without restriction,\n")
        .append("> including without limitation the rights to use, copy, modify, merge, publish, distribute, sublicense,\n")
        .append("> and/or sell copies of the Software, and to permit persons to whom the Software is furnished to do so,\n")
        .append("> subject to the following conditions:\n>\n")
        .append("> The above copyright notice and this permission notice shall be included in all copies or substantial\n")
        .append("> portions of the Software.\n>\n")
        .append("> THE SOFTWARE IS PROVIDED \"AS IS\", WITHOUT WARRANTY OF ANY KIND, EXPRESS OR IMPLIED, INCLUDING BUT NOT\n")
        .append("> LIMITED TO THE WARRANTIES OF MERCHANTABILITY, FITNESS FOR A PARTICULAR PURPOSE AND NONINFRINGEMENT. IN\n")
        .append("> NO EVENT SHALL THE AUTHORS OR COPYRIGHT HOLDERS BE LIABLE FOR ANY CLAIM, DAMAGES OR OTHER LIABILITY,\n")
        .append("> WHETHER IN AN ACTION OF CONTRACT, TORT OR OTHERWISE, ARISING FROM, OUT OF OR IN CONNECTION WITH THE\n")
        .append("> SOFTWARE OR THE USE OR OTHER DEALINGS IN THE SOFTWARE.\n");
    return md.toString();
  }

  private static String layout(FixtureModel model) {
    return switch (model.layout()) {
      case TF2_KERAS -> tf2Layout();
      case TF1_GRAPH -> tf1Layout();
    };
  }

  private static String signature(FixtureModel model) {
    return switch (model.layout()) {
      case TF2_KERAS -> tf2Signature(model);
      case TF1_GRAPH -> tf1Signature(model);
    };
  }

  private static String tf2Layout() {
    return "Layout of Python's `tf.saved_model.save` for a Keras model (TF2): the top-level graph holds one "
        + "`VarHandleOp` per variable (shared name = node name), the placeholder `serving_default_input_1` and a "
        + "`StatefulPartitionedCall` that passes the input and every variable handle to "
        + "`__inference_signature_wrapper_*`. That function calls the model function "
        + "`__inference_model_layer_call_and_return_conditional_losses_*`, which calls one function per layer "
        + "(`StatefulPartitionedCall` for layers with variables, `PartitionedCall` for the others); variables "
        + "are read inside with `ReadVariableOp`. Batch normalization runs as `FusedBatchNormV3` with "
        + "`is_training=false` on the moving statistics. Save/restore ops: `save/*` (SaveV2/RestoreV2). "
        + "There is no object graph (`tf.saved_model.load` in Python reads it as a TF1-style model).";
  }

  private static String tf2Signature(FixtureModel model) {
    return "Signature `serving_default` (`tensorflow/serving/predict`): input `input_1` = "
        + "`serving_default_input_1:0`, float `[-1,28,28,1]`; output `" + Tf2Export.outputKey(model)
        + "` = `StatefulPartitionedCall:0`, float `[-1," + model.numClasses() + "]`, softmax probabilities.";
  }

  private static String tf1Layout() {
    return "Layout of a TF1 graph saved by `SavedModelBuilder`: no functions; `VariableV2` reference variables "
        + "with their initializers, `<name>/Assign` and `<name>/read`, layers reading `<name>/read`; a "
        + "`tf.train.Saver`'s ops (`save/Const`, `save/SaveV2`, `save/RestoreV2`, `save/Assign*`, "
        + "`save/restore_all`) and the `variables` and `trainable_variables` collections of `VariableDef`s.";
  }

  private static String tf1Signature(FixtureModel model) {
    return "Signature `serving_default` (`tensorflow/serving/predict`): input `input` = `input:0`, float "
        + "`[-1,28,28,1]`; output `" + Tf1Export.OUTPUT_KEY + "` = `dense_1/BiasAdd:0`, float `[-1,"
        + model.numClasses() + "]`, raw logits (no softmax).";
  }
}
