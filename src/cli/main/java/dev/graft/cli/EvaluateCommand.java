package dev.graft.cli;

import com.fasterxml.jackson.databind.ObjectMapper;
import dev.graft.error.GraftException;
import dev.graft.data.read.DataOptions;
import dev.graft.data.spec.DataSources;
import dev.graft.data.LabeledData;
import dev.graft.data.view.LabeledDatas;
import dev.graft.train.Metrics;
import java.io.PrintWriter;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.concurrent.Callable;
import picocli.CommandLine.Command;
import picocli.CommandLine.Option;
import picocli.CommandLine.Spec;

/** {@code graft evaluate}: metrics of an export on labelled data. */
@Command(name = "evaluate", mixinStandardHelpOptions = true,
    description = "Loss, accuracy, top-k, per-class precision/recall and the confusion matrix of an export. Classes "
        + "are matched by name to the export's labels (assets/labels.txt); the data may hold a subset of them.",
    footer = {"", "Example:", "  graft evaluate --model runs/retrain/1 --data fashion-mnist:test --classes 5,6,7,8,9"})
final class EvaluateCommand implements Callable<Integer> {

  @Spec picocli.CommandLine.Model.CommandSpec spec;

  @Option(names = "--model", required = true, description = "A Graft export (a version folder).") Path model;
  @Option(names = "--data", required = true, description = "Labelled data, as for retrain.") String data;
  @Option(names = "--classes", description = "Keep these classes of the data (names or labels, in any order); "
      + "each must be one of the export's labels by name.") String classes;
  @Option(names = "--top-k", defaultValue = "3") int topK;
  @Option(names = "--skip-bad", description = "Skip unreadable examples instead of stopping.") boolean skipBad;
  @Option(names = "--image-key", description = "TFRecord feature holding the encoded image.") String imageKey;
  @Option(names = "--label-key", description = "TFRecord feature holding the int64 label.") String labelKey;
  @Option(names = "--json", description = "Print one JSON object.") boolean json;

  @Override
  public Integer call() throws Exception {
    if (topK < 1) {
      throw new picocli.CommandLine.ParameterException(spec.commandLine(), "--top-k must be at least 1, got " + topK);
    }
    try {
      dev.graft.data.spec.DataSpec.parse(data);
    } catch (IllegalArgumentException e) {
      throw new picocli.CommandLine.ParameterException(spec.commandLine(), SettingFlags.describe(e));
    }
    try (ExportedModel export = new ExportedModel(model)) {
      DataOptions.Builder options = RetrainCommand.dataOptions(export.input, skipBad, imageKey, labelKey);
      if (classes != null) {
        options.optClasses(classes);
      }
      LabeledData opened = DataSources.open(data, options.build());
      // by name: the data's class "Bag" is the export's label "Bag", whatever position either has
      LabeledData labelled = LabeledDatas.mapClassesByName(opened, export.labels);
      Metrics metrics = new Metrics(export.labels.size(), topK);
      export.predict(labelled, skipBad, (p, batch) -> metrics.add(p, batch.labelArray(), batch.size()));
      if (metrics.count() == 0) {
        throw new dev.graft.error.GraftException("No example of " + data + " could be read (" + labelled.size() + " listed, "
            + "all skipped as unreadable); check the data, or run without --skip-bad to see the first error.");
      }
      int[] counts = LabeledDatas.classCounts(labelled);
      PrintWriter out = spec.commandLine().getOut();
      if (json) {
        out.println(new ObjectMapper().writeValueAsString(report(metrics, export.labels, counts)));
      } else {
        print(out, metrics, export.labels, counts);
      }
      out.flush();
      return 0;
    }
  }

  static Map<String, Object> report(Metrics m, List<String> labels, int[] counts) {
    Map<String, Object> report = new LinkedHashMap<>();
    report.put("accuracy", m.accuracy());
    report.put("loss", m.loss());
    report.put("topK", m.topKAccuracy());
    report.put("k", m.topK());
    report.put("n", m.count());
    List<Map<String, Object>> perClass = new ArrayList<>();
    for (int c = 0; c < labels.size(); c++) {
      perClass.add(Map.of("label", labels.get(c), "examples", counts[c], "precision", nanToNull(m.precision(c)),
          "recall", nanToNull(m.recall(c))));
    }
    report.put("perClass", perClass);
    report.put("confusion", m.confusion());
    return report;
  }

  private static Object nanToNull(double v) {
    return Double.isNaN(v) ? "NaN" : v;
  }

  private static void print(PrintWriter out, Metrics m, List<String> labels, int[] counts) {
    out.printf("accuracy %.4f  loss %.4f  top-%d %.4f  (%d examples)%n%n", m.accuracy(), m.loss(), m.topK(),
        m.topKAccuracy(), m.count());
    out.printf("%-20s %9s %9s %9s%n", "class", "examples", "precision", "recall");
    for (int c = 0; c < labels.size(); c++) {
      out.printf("%-20s %9d %9.4f %9s%n", labels.get(c), counts[c], m.precision(c),
          counts[c] == 0 ? "-" : String.format("%.4f", m.recall(c)));
    }
    out.println();
    out.println("confusion (rows: true, columns: predicted)");
    long[][] confusion = m.confusion();
    for (int r = 0; r < labels.size(); r++) {
      StringBuilder row = new StringBuilder(String.format("%-20s", labels.get(r)));
      for (long v : confusion[r]) {
        row.append(String.format(" %6d", v));
      }
      out.println(row);
    }
  }
}
