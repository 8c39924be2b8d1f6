package dev.graft.cli;

import dev.graft.data.DataOptions;
import dev.graft.data.DataSources;
import dev.graft.data.LabeledData;
import dev.graft.data.LabeledDatas;
import java.io.PrintWriter;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Comparator;
import java.util.List;
import java.util.concurrent.Callable;
import java.util.stream.IntStream;
import picocli.CommandLine.Command;
import picocli.CommandLine.Option;
import picocli.CommandLine.Parameters;
import picocli.CommandLine.Spec;

/** {@code graft predict}: the top classes of examples under an export. */
@Command(name = "predict", mixinStandardHelpOptions = true,
    description = "Print the most probable classes, with label names and probabilities, for each example.",
    footer = {"", "Examples:", "  graft predict --model runs/retrain/1 fashion-mnist:test --limit 5",
        "  graft predict --model runs/retrain/1 photos/   (a folder of class folders)"})
final class PredictCommand implements Callable<Integer> {

  @Spec picocli.CommandLine.Model.CommandSpec spec;

  @Option(names = "--model", required = true, description = "A Graft export (a version folder).") Path model;
  @Option(names = "--top", defaultValue = "3", description = "Classes to show per example.") int top;
  @Option(names = "--limit", defaultValue = "10", description = "Examples to show per input.") int limit;
  @Option(names = "--label-key", description = "TFRecord feature holding the int64 label.") String labelKey;
  @Parameters(paramLabel = "INPUT", arity = "1..*", description = "Data specs as for --data of retrain.") List<String> inputs;

  @Override
  public Integer call() {
    PrintWriter out = spec.commandLine().getOut();
    try (ExportedModel export = new ExportedModel(model)) {
      DataOptions options = RetrainCommand.dataOptions(export.input, false, null, labelKey).build();
      for (String input : inputs) {
        LabeledData data = DataSources.open(input, options);
        int n = Math.min(limit, data.size());
        LabeledData shown = LabeledDatas.subset(data, IntStream.range(0, n).toArray());
        List<String> lines = new ArrayList<>();
        export.predict(shown, (p, batch) -> {
          int k = export.labels.size();
          for (int i = 0; i < batch.size(); i++) {
            final int row = i;
            List<Integer> best = IntStream.range(0, k).boxed()
                .sorted(Comparator.comparingDouble(c -> -p[row * k + c])).limit(top).toList();
            StringBuilder line = new StringBuilder(String.format("%s #%d (labelled %s):", input, batch.indices()[i],
                data.classNames().get(batch.labelArray()[i])));
            for (int c : best) {
              line.append(String.format("  %s %.3f", export.labels.get(c), p[row * k + c]));
            }
            lines.add(line.toString());
          }
        });
        lines.forEach(out::println);
      }
      out.flush();
      return 0;
    }
  }
}
