package dev.graft.cli;

import dev.graft.train.EpochMetrics;
import dev.graft.train.TrainPlan;
import dev.graft.train.TrainResult;
import dev.graft.train.TrainingListener;
import java.io.PrintWriter;
import me.tongfei.progressbar.ConsoleProgressBarConsumer;
import me.tongfei.progressbar.ProgressBar;
import me.tongfei.progressbar.ProgressBarBuilder;
import me.tongfei.progressbar.ProgressBarStyle;

/** Shows training progress: a progress bar per epoch on a terminal, plain lines otherwise. */
public final class ConsoleProgress implements TrainingListener {

  private final PrintWriter out;
  private final boolean terminal;
  private int epochs;
  private int batches;
  private ProgressBar bar;
  private long epochStart;

  /** Prints to {@code out}; draws bars when {@code terminal}. */
  public ConsoleProgress(PrintWriter out, boolean terminal) {
    this.out = out;
    this.terminal = terminal;
  }

  @Override
  public void onTrainStart(int epochs, int batchesPerEpoch) {
    this.epochs = epochs;
    this.batches = batchesPerEpoch;
  }

  @Override
  public void onPhaseStart(TrainPlan.Phase phase, int firstEpoch) {
    if (firstEpoch > 1) {
      out.printf("%s from epoch %d on: %s, starting from the best weights so far%n", phase.name(), firstEpoch,
          phase.describe(SettingFlags::name).substring(phase.name().length()).trim());
      out.flush();
    }
  }

  @Override
  public void onEpochStart(int epoch) {
    epochStart = System.nanoTime();
    if (terminal) {
      bar = new ProgressBarBuilder().setTaskName("epoch " + epoch + "/" + epochs).setInitialMax(batches)
          .setStyle(ProgressBarStyle.COLORFUL_UNICODE_BLOCK).setUnit(" batches", 1).showSpeed()
          .setConsumer(new ConsoleProgressBarConsumer(System.err)).build();
    }
  }

  @Override
  public void onBatchEnd(int epoch, int batch, int examples, double runningLoss, double runningAccuracy) {
    if (bar != null) {
      bar.stepTo(batch);
      double seconds = Math.max(1e-9, (System.nanoTime() - epochStart) / 1e9);
      bar.setExtraMessage(String.format(" %.0f ex/s loss %.4f acc %.4f", examples / seconds, runningLoss,
          runningAccuracy));
    }
  }

  @Override
  public void onEpochEnd(EpochMetrics m) {
    if (bar != null) {
      bar.close();
      bar = null;
    }
    out.printf("epoch %d/%d  loss %.4f  acc %.4f  val_loss %.4f  val_acc %.4f  top%s %.4f  lr %.2e  %.1fs  %.0f ex/s%n",
        m.epoch(), epochs, m.trainLoss(), m.trainAccuracy(), m.valLoss(), m.valAccuracy(), "k", m.valTopK(),
        m.learningRate(), m.seconds(), m.examplesPerSecond());
    out.flush();
  }

  @Override
  public void onTrainEnd(TrainResult result) {
    if (result.stoppedEarly()) {
      out.printf("stopped early; keeping the weights of epoch %d%n", result.bestEpoch());
    }
  }
}
