package dev.graft.cli;

import dev.graft.data.read.DataOptions;
import dev.graft.data.spec.DataSources;
import dev.graft.data.LabeledData;
import dev.graft.data.view.LabeledDatas;
import java.io.PrintWriter;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Comparator;
import java.util.List;
import java.util.concurrent.Callable;
import java.util.stream.IntStream;
import picocli.CommandLine.Command;
import picocli.CommandLine.Option;
import picocli.CommandLine.ParameterException;
import picocli.CommandLine.Parameters;
import picocli.CommandLine.Spec;

/** {@code graft predict}: the top classes of examples under an export. */
@Command(name = "predict", mixinStandardHelpOptions = true,
    description = "Print the most probable classes, with label names and probabilities, for each example.",
    footer = {"", "Examples:", "  graft predict --model runs/retrain/1 fashion-mnist:test --limit 5",
        "  graft predict --model runs/retrain/1 photos/   (a folder of class folders)",
        "  graft predict --model runs/retrain/1 cat.jpg dog.png   (image files, no labels)",
        "  graft predict --model runs/retrain/1 images.txt   (a list of image paths, one a line)"})
final class PredictCommand implements Callable<Integer> {

  /** The most classes or examples shown. */
  private static final int MAX_SHOWN = 1_000_000;

  @Spec picocli.CommandLine.Model.CommandSpec spec;

  @Option(names = "--model", required = true, description = "A Graft export (a version folder).") Path model;
  @Option(names = "--top", defaultValue = "3", description = "Classes to show per example.") int top;
  @Option(names = "--limit", defaultValue = "10", description = "Examples to show per labelled input.") int limit;
  @Option(names = "--skip-bad", description = "Skip unreadable examples instead of stopping.") boolean skipBad;
  @Option(names = "--image-key", description = "TFRecord feature holding the encoded image.") String imageKey;
  @Option(names = "--label-key", description = "TFRecord feature holding the int64 label.") String labelKey;
  @Parameters(paramLabel = "INPUT", arity = "1..*",
      description = "Image files, .txt lists of image paths, or labelled data specs as for --data of retrain.")
  List<String> inputs;

  @Override
  public Integer call() {
    if (top < 1 || top > MAX_SHOWN || limit < 1 || limit > MAX_SHOWN) {
      throw new ParameterException(spec.commandLine(), "--top and --limit must be between 1 and " + MAX_SHOWN
          + ", got --top " + top + " --limit " + limit);
    }
    for (String input : inputs) {
      if (!DataSources.isUnlabelled(input)) {
        try {
          dev.graft.data.spec.DataSpec.parse(input);
        } catch (IllegalArgumentException e) {
          throw new ParameterException(spec.commandLine(), SettingFlags.describe(e));
        }
      }
    }
    PrintWriter out = spec.commandLine().getOut();
    try (ExportedModel export = new ExportedModel(model)) {
      DataOptions options = RetrainCommand.dataOptions(export.input, skipBad, imageKey, labelKey).build();
      List<Path> files = new ArrayList<>();
      for (String input : inputs) {
        if (DataSources.isUnlabelled(input)) {
          files.add(Path.of(input));
        }
      }
      if (!files.isEmpty()) {
        LabeledData images = DataSources.openUnlabelled(files, options);
        print(out, export, images, null, images.size());
      }
      for (String input : inputs) {
        if (!DataSources.isUnlabelled(input)) {
          LabeledData data = DataSources.open(input, options);
          print(out, export, data, input, Math.min(limit, data.size()));
        }
      }
      out.flush();
      return 0;
    }
  }

  /** Prints the first {@code n} examples of {@code data}; {@code input} is null for unlabelled image files. */
  private void print(PrintWriter out, ExportedModel export, LabeledData data, String input, int n) {
    LabeledData shown = LabeledDatas.subset(data, IntStream.range(0, n).toArray());
    List<String> lines = new ArrayList<>();
    int k = export.labels.size();
    int classes = Math.min(top, k);
    export.predict(shown, skipBad, (p, batch) -> {
      for (int i = 0; i < batch.size(); i++) {
        final int row = i;
        List<Integer> best = IntStream.range(0, k).boxed()
            .sorted(Comparator.comparingDouble(c -> -p[row * k + c])).limit(classes).toList();
        int index = batch.indices()[i];
        StringBuilder line = new StringBuilder(input == null ? shown.exampleName(index) + ":"
            : String.format("%s #%d (labelled %s):", input, index, data.classNames().get(batch.labelArray()[i])));
        for (int c : best) {
          line.append(String.format("  %s %.3f", export.labels.get(c), p[row * k + c]));
        }
        lines.add(line.toString());
      }
    });
    lines.forEach(out::println);
  }
}
