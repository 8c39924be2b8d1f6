package dev.graft.cli;

import dev.graft.io.AtomicFiles;
import dev.graft.train.EpochMetrics;
import java.io.IOException;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.function.ToDoubleFunction;
import org.knowm.xchart.AnnotationLine;
import org.knowm.xchart.AnnotationText;
import org.knowm.xchart.BitmapEncoder;
import org.knowm.xchart.HeatMapChart;
import org.knowm.xchart.HeatMapChartBuilder;
import org.knowm.xchart.XYChart;
import org.knowm.xchart.XYChartBuilder;
import org.knowm.xchart.style.markers.SeriesMarkers;

/** PNG plots of a run: loss and accuracy per epoch, and the validation confusion matrix. */
final class Plots {

  private Plots() {}

  /**
   * Writes {@code <prefix>loss.png}, {@code <prefix>accuracy.png} and {@code <prefix>confusion.png} into {@code dir};
   * a line marks where fine-tuning began after {@code warmupEpochs} epochs of warm-up (none when 0).
   */
  static List<Path> write(Path dir, String prefix, List<EpochMetrics> history, int warmupEpochs, long[][] confusion,
      List<String> classNames) throws IOException {
    System.setProperty("java.awt.headless", "true");
    List<Path> written = new ArrayList<>();
    written.add(save(curve("Loss", history, warmupEpochs, EpochMetrics::trainLoss, EpochMetrics::valLoss),
        dir.resolve(prefix + "loss")));
    written.add(save(curve("Accuracy", history, warmupEpochs, EpochMetrics::trainAccuracy, EpochMetrics::valAccuracy),
        dir.resolve(prefix + "accuracy")));
    if (confusion != null) {
      written.add(save(heatmap(confusion, classNames), dir.resolve(prefix + "confusion")));
    }
    return written;
  }

  private static XYChart curve(String title, List<EpochMetrics> history, int warmupEpochs,
      ToDoubleFunction<EpochMetrics> train, ToDoubleFunction<EpochMetrics> val) {
    XYChart chart = new XYChartBuilder().width(640).height(400).title(title + " per epoch").xAxisTitle("epoch")
        .yAxisTitle(title.toLowerCase()).build();
    double[] epochs = history.stream().mapToDouble(EpochMetrics::epoch).toArray();
    chart.addSeries("train", epochs, history.stream().mapToDouble(train).toArray()).setMarker(SeriesMarkers.CIRCLE);
    double[] v = history.stream().mapToDouble(val).toArray();
    if (v.length > 0 && !Double.isNaN(v[0])) {
      chart.addSeries("validation", epochs, v).setMarker(SeriesMarkers.DIAMOND);
    }
    if (warmupEpochs > 0 && warmupEpochs < history.size()) {
      double top = history.stream().mapToDouble(train).filter(Double::isFinite).max().orElse(1);
      chart.addAnnotation(new AnnotationLine(warmupEpochs + 0.5, true, false));
      chart.addAnnotation(new AnnotationText("fine-tuning", warmupEpochs + 1.5, top, false));
    }
    return chart;
  }

  private static HeatMapChart heatmap(long[][] confusion, List<String> names) {
    HeatMapChart chart = new HeatMapChartBuilder().width(720).height(620).title("Validation confusion matrix")
        .xAxisTitle("predicted").yAxisTitle("true").build();
    chart.getStyler().setShowValue(true);
    chart.getStyler().setPlotContentSize(1);
    List<Number[]> cells = new ArrayList<>();
    int k = confusion.length;
    for (int r = 0; r < k; r++) {
      for (int c = 0; c < k; c++) {
        // rows are drawn bottom-up: flip so the first class is on top
        cells.add(new Number[] {c, k - 1 - r, confusion[r][c]});
      }
    }
    List<String> reversed = new ArrayList<>(names);
    java.util.Collections.reverse(reversed);
    chart.addSeries("confusion", names, reversed, cells);
    return chart;
  }

  /** Renders the chart in memory and writes it in one rename: a kill or a full disk leaves no partial PNG. */
  private static Path save(org.knowm.xchart.internal.chartpart.Chart<?, ?> chart, Path base) throws IOException {
    Path file = base.resolveSibling(base.getFileName() + ".png");
    AtomicFiles.write(file, BitmapEncoder.getBitmapBytes(chart, BitmapEncoder.BitmapFormat.PNG));
    return file;
  }
}
