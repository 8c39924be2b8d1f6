package dev.graft.bench;

import java.util.List;
import java.util.Locale;

/**
 * One real backbone of the comparison with Python Keras: a fixture of {@code src/python/make_fixtures.py}, where
 * both sides cut it, how its inputs are scaled, and how many X-ray images each row uses.
 *
 * @param name the fixture's folder name under {@code target/python-fixtures}
 * @param graftCut the {@code --cut-layer} Graft is given: the export's op scope of the pooling layer before the
 *     Dense head (Keras layer {@code kerasCut}; the export names its ops {@code <layer>_1})
 * @param kerasCut the Keras layer whose output the new head reads
 * @param preprocess Graft's {@code --preprocess} and the peer's scaling: {@code symmetric} ([-1,1], MobileNets) or
 *     {@code none} (0-255, EfficientNet scales inside the model)
 * @param lastLayers N of the {@code last:N} fine-tune: the last block and the top convolution with their batch norms
 * @param images training images of the inference and head-only rows (0 = all)
 * @param valImages validation images the head-only accuracy is measured on (0 = all)
 * @param fineTuneImages training images of a fine-tuning epoch
 * @param fineTuneEpochs fine-tuning epochs: one warm-up epoch, then the timed ones
 */
record Backbone(String name, String graftCut, String kerasCut, String preprocess, int lastLayers, int images,
    int valImages, int fineTuneImages, int fineTuneEpochs) {

  /** The models of the comparison, in the order the benchmark runs them. */
  static final List<String> NAMES = List.of("mobilenet_v1_025_pooled", "mobilenet_v2", "efficientnet_b0");

  /** The model {@code name} with the benchmark's default image counts. */
  static Backbone named(String name) {
    return switch (name) {
      // Pretrained: its validation accuracy means something, and it is fast enough for every image of val/. Its
      // fine-tune epochs take about a second at 256 images (8 steps), too few to judge a step: 512. Every model
      // fine-tunes two timed epochs after the warm-up: with one, a row of 2 to 3 steps (the larger models at 64 and
      // 96 images) came out 0.93x in one run and 1.68x in the next.
      case "mobilenet_v1_025_pooled" -> new Backbone(name, "global_average_pooling2d_1", "global_average_pooling2d",
          "symmetric", 4, 1024, 0, 512, 3);
      case "mobilenet_v2" -> new Backbone(name, "global_average_pooling2d_1", "global_average_pooling2d",
          "symmetric", 8, 160, 160, 160, 3);
      case "efficientnet_b0" -> new Backbone(name, "avg_pool_1", "avg_pool", "none", 10, 128, 128, 128, 3);
      default -> throw new IllegalArgumentException("No backbone '" + name + "'; known: " + NAMES);
    };
  }

  /** The same model on a few images per row, for trying the benchmark out. */
  Backbone quick() {
    return new Backbone(name, graftCut, kerasCut, preprocess, lastLayers, 64, 64, 32, 2);
  }

  /** The {@code --model} argument of {@code keras_peer.py}. */
  String peerSpec() {
    return String.format(Locale.ROOT, "%s:cut=%s,preprocess=%s,images=%d,val=%d,finetune=%d,last=%d,"
        + "finetune_epochs=%d", name, kerasCut, preprocess, images, valImages, fineTuneImages, lastLayers,
        fineTuneEpochs);
  }

  /** Arguments of {@link BackboneRun}. */
  List<String> runArgs() {
    return List.of(name, graftCut, preprocess, String.valueOf(lastLayers), String.valueOf(images),
        String.valueOf(valImages), String.valueOf(fineTuneImages), String.valueOf(fineTuneEpochs));
  }

  /** Parses {@link #runArgs()} back, from {@code args[from]} on. */
  static Backbone fromArgs(String[] args, int from) {
    Backbone defaults = named(args[from]);
    return new Backbone(args[from], args[from + 1], defaults.kerasCut(), args[from + 2],
        Integer.parseInt(args[from + 3]), Integer.parseInt(args[from + 4]), Integer.parseInt(args[from + 5]),
        Integer.parseInt(args[from + 6]), Integer.parseInt(args[from + 7]));
  }
}
