package dev.graft.tools;

import dev.graft.head.CutChoice;
import dev.graft.Graft;
import dev.graft.GraftModel;
import dev.graft.data.read.DataOptions;
import dev.graft.data.spec.DataSources;
import dev.graft.data.LabeledData;
import dev.graft.head.HeadSpec;
import dev.graft.model.LoadedModel;
import dev.graft.train.EpochMetrics;
import dev.graft.train.FreezePolicy;
import dev.graft.train.Metrics;
import dev.graft.train.TrainConfig;
import dev.graft.train.TrainResult;
import java.nio.file.Path;
import java.util.List;
import java.util.concurrent.Callable;
import picocli.CommandLine;
import picocli.CommandLine.Command;
import picocli.CommandLine.Option;

/**
 * Transfers the bundled Fashion-MNIST 0-4 CNN to classes 5-9 in several ways with the same budget
 * (epochs, batch, learning rate, seed) and prints a Markdown table of held-out accuracy and time.
 *
 * <pre>
 * java -cp "target/graft-tools.jar:target/lib/*" dev.graft.tools.TransferReport
 * </pre>
 */
@Command(name = "transfer-report", mixinStandardHelpOptions = true,
    description = "Compare transfer strategies on Fashion-MNIST 5-9 with one budget.")
public final class TransferReport implements Callable<Integer> {

  @Option(names = "--model", defaultValue = "savedmodels/fashion_cnn") Path model;
  @Option(names = "--data", defaultValue = "fashion-mnist:train") String data;
  @Option(names = "--test-data", defaultValue = "fashion-mnist:test") String testData;
  @Option(names = "--classes", defaultValue = "5,6,7,8,9") String classes;
  @Option(names = "--epochs", defaultValue = "5") int epochs;
  @Option(names = "--lr", defaultValue = "0.001") float lr;
  @Option(names = "--seed", defaultValue = "42") long seed;

  private record Setup(String name, String cutAt, String cutLayer, String train) {}

  public static void main(String[] args) {
    System.exit(new CommandLine(new TransferReport()).execute(args));
  }

  @Override
  public Integer call() {
    DataOptions options = DataOptions.builder().optTargetShape(28, 28, 1).optClasses(classes).build();
    LabeledData train = DataSources.open(data, options);
    LabeledData test = DataSources.open(testData, options);
    List<Setup> setups = List.of(
        new Setup("softmax regression on raw pixels (cut at the input)", "serving_default_input_1", null, "head"),
        new Setup("head only, default cut (64 dense features)", null, null, "head"),
        new Setup("head only, cut at flatten (1568 conv features)", null, "flatten", "head"),
        new Setup("last:2 at flatten (conv2d_1 + batch_normalization_1 unfrozen)", null, "flatten", "last:2"),
        new Setup("all at flatten (full fine-tune)", null, "flatten", "all"));
    System.out.printf("Transfer of %s to classes %s: %d training and %d test images, %d epochs, batch 64, Adam lr %s,"
        + " seed %d%n%n", model, classes, train.size(), test.size(), epochs, lr, seed);
    System.out.println("| setup | trained variables | test accuracy | first epoch (s) | later epochs (s, mean) | total (s) |");
    System.out.println("|---|---|---|---|---|---|");
    for (Setup setup : setups) {
      long start = System.nanoTime();
      try (GraftModel graft = Graft.load(model, LoadedModel.LoadOptions.defaults(),
          new CutChoice(setup.cutAt(), setup.cutLayer()))) {
        graft.replaceHead(HeadSpec.builder().setNumClasses(train.classNames().size()).build());
        TrainResult result = graft.train(train, null, TrainConfig.builder().setEpochs(epochs).optLearningRate(lr)
            .optSeed(seed).optFreeze(FreezePolicy.parse(setup.train())).build());
        Metrics metrics = graft.evaluate(test, 3);
        double total = (System.nanoTime() - start) / 1e9;
        List<EpochMetrics> h = result.history();
        double later = h.stream().skip(1).mapToDouble(EpochMetrics::seconds).average().orElse(Double.NaN);
        System.out.printf("| %s | %d | %.4f | %.1f | %.2f | %.1f |%n", setup.name(), h.get(0).trainedVariables(),
            metrics.accuracy(), h.get(0).seconds(), later, total);
      }
    }
    return 0;
  }
}
