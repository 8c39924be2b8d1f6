package dev.graft.spark.cli;

import dev.graft.cli.ConsoleProgress;
import dev.graft.head.HeadSpec;
import dev.graft.spark.MllibHead;
import dev.graft.train.LrSchedule;
import dev.graft.train.Monitor;
import dev.graft.train.OptimizerSpec;
import dev.graft.train.TrainConfig;
import java.io.PrintWriter;
import java.util.List;
import picocli.CommandLine.Option;

/** The options of the head and its training, named as {@code graft retrain} names them. */
final class HeadArgs {

  @Option(names = "--head-trainer", defaultValue = "driver",
      description = "driver (Graft's trainer on the driver, rows streamed from the table: every head and optimizer) "
          + "or mllib (Spark MLlib's multinomial logistic regression on the cluster: a softmax head only).")
  String trainer;

  @Option(names = "--epochs", defaultValue = "5") int epochs;
  @Option(names = "--batch-size", defaultValue = "64") int batchSize;
  @Option(names = "--lr", defaultValue = "0.001") float lr;
  @Option(names = "--optimizer", defaultValue = "adam", description = "sgd, momentum[:M], nesterov[:M], adam, adamw[:DECAY].") String optimizer;
  @Option(names = "--schedule", defaultValue = "constant", description = "constant, step:E:G, cosine[:WARMUP], onecycle.") String schedule;
  @Option(names = "--hidden", split = ",", description = "Hidden layer sizes of the new head (driver trainer only).") List<Integer> hidden;
  @Option(names = "--dropout", defaultValue = "0") float dropout;
  @Option(names = "--label-smoothing", defaultValue = "0") float labelSmoothing;
  @Option(names = "--seed", defaultValue = "42") long seed;
  @Option(names = "--val-split", defaultValue = "0.1", description = "Validation fraction of the rows (default: ${DEFAULT-VALUE}).") double valSplit;
  @Option(names = "--patience", defaultValue = "0", description = "Early stopping patience in epochs (0 = off).") int patience;
  @Option(names = "--monitor", defaultValue = "val_accuracy") String monitor;
  @Option(names = "--mllib-iter", defaultValue = "100", description = "MLlib's L-BFGS iterations (default: ${DEFAULT-VALUE}).") int mllibIter;
  @Option(names = "--mllib-reg", defaultValue = "0.0001", description = "MLlib's L2 regularization (default: ${DEFAULT-VALUE}).") double mllibReg;

  boolean mllib() {
    return switch (trainer) {
      case "driver" -> false;
      case "mllib" -> {
        if ((hidden != null && !hidden.isEmpty()) || dropout > 0) {
          throw new IllegalArgumentException("--head-trainer mllib fits a softmax head without hidden layers or "
              + "dropout; drop --hidden/--dropout, or use --head-trainer driver");
        }
        yield true;
      }
      default -> throw new IllegalArgumentException("--head-trainer must be driver or mllib, got " + trainer);
    };
  }

  HeadSpec spec(int classes) {
    return HeadSpec.builder().setNumClasses(classes).optHidden(hidden == null ? List.of() : hidden)
        .optDropout(dropout).build();
  }

  /** The training config; a bad value fails with a {@code SettingException} that {@link SparkCli} says with flags. */
  TrainConfig config(PrintWriter printer) {
    return TrainConfig.builder().setEpochs(epochs).optBatchSize(batchSize).optLearningRate(lr)
        .optOptimizer(OptimizerSpec.parse(optimizer)).optSchedule(LrSchedule.parse(schedule))
        .optLabelSmoothing(labelSmoothing).optSeed(seed).optPatience(patience).optMonitor(Monitor.parse(monitor))
        .addListener(new ConsoleProgress(printer, false)).build();
  }

  MllibHead.Options mllibOptions() {
    return new MllibHead.Options(mllibIter, mllibReg, valSplit, seed);
  }
}
