package dev.graft.bench;

import dev.graft.GraftModel;
import dev.graft.data.LabeledData;
import dev.graft.head.HeadSpec;
import java.nio.file.Path;

/**
 * What the benchmark's probing tools ({@link StepMemory}, {@link FeaturePassCpu}) share: their arguments
 * {@code FIXTURES XRAY_FOLDER MODEL IMAGES N}, the training images they read, and the model as {@link BackboneRun}
 * loads it (threads 2,1), with a new head for those images' classes.
 *
 * @param fixtures the folder of the Python-made fixtures
 * @param backbone the fixture probed
 * @param images the chosen training images
 * @param count the tool's own last argument (epochs, rounds)
 */
record BackboneProbe(Path fixtures, Backbone backbone, LabeledData images, int count) {

  /** The tool's arguments; prints {@code usage} and exits with 2 when they are not five. */
  static BackboneProbe parse(String[] args, String usage) {
    if (args.length != 5) {
      System.err.println("usage: " + usage);
      System.exit(2);
    }
    XrayImages train = XrayImages.list(Path.of(args[1]).resolve("train"));
    return new BackboneProbe(Path.of(args[0]), Backbone.named(args[2]),
        train.open(train.subsetIndices(Integer.parseInt(args[3]))), Integer.parseInt(args[4]));
  }

  /** The backbone loaded afresh with a new head; the caller closes it. */
  GraftModel load() {
    GraftModel model = BackboneRun.load(fixtures.resolve(backbone.name()), ThreadSetting.parse("2,1"), backbone);
    try {
      model.replaceHead(HeadSpec.builder().setNumClasses(images.classNames().size()).build());
      return model;
    } catch (RuntimeException e) {
      model.close();
      throw e;
    }
  }
}
