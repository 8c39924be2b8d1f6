package dev.graft.tools;

import com.google.common.io.MoreFiles;
import com.google.common.io.RecursiveDeleteOption;
import java.io.IOException;
import java.io.PrintWriter;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Locale;
import java.util.concurrent.Callable;
import java.util.stream.Stream;
import picocli.CommandLine;
import picocli.CommandLine.Command;
import picocli.CommandLine.Model.CommandSpec;
import picocli.CommandLine.Option;
import picocli.CommandLine.Spec;

/**
 * Trains the fixture models of {@code savedmodels/} on Fashion-MNIST classes 0-4, writes them,
 * checks them and writes their README with the measured accuracy.
 *
 * <pre>{@code
 * mvn -q package -DskipTests
 * java -cp "target/graft-tools.jar:target/lib/*" dev.graft.tools.MakeFixtures --out savedmodels
 * }</pre>
 *
 * <p>It writes {@code fashion_cnn/} (a Keras-style CNN with batch normalization, in the TF2 layout
 * of {@code tf.saved_model.save}) and {@code fashion_mlp_tf1/} (an MLP returning logits, in the
 * TF1 layout of reference variables and a saver), replacing earlier copies of those two folders.
 */
@Command(name = "make-fixtures", mixinStandardHelpOptions = true,
    description = "Trains and writes the Fashion-MNIST fixture models of savedmodels/.")
public final class MakeFixtures implements Callable<Integer> {

  static final String DEFAULT_DATA = "/usr/share/datasets/fashion-mnist";
  private static final double MAX_FLATTEN_DIFF = 1e-5;

  @Spec CommandSpec spec;

  @Option(names = "--out", defaultValue = "savedmodels", description = "Folder to write the models and README.md to (default: ${DEFAULT-VALUE}).")
  Path out;

  @Option(names = "--data", defaultValue = DEFAULT_DATA, description = "Folder with the gzipped Fashion-MNIST IDX files (default: ${DEFAULT-VALUE}).")
  Path data;

  @Option(names = "--epochs", defaultValue = "3", description = "Training epochs per model (default: ${DEFAULT-VALUE}).")
  int epochs;

  @Option(names = "--seed", defaultValue = "42", description = "Seed of initial values and shuffling (default: ${DEFAULT-VALUE}).")
  long seed;

  @Option(names = "--threads", defaultValue = "2", description = "Threads per TensorFlow op; results depend on it (default: ${DEFAULT-VALUE}).")
  int threads;

  @Option(names = "--train-limit", defaultValue = "0", hidden = true, description = "Train on the first N images only (quick runs in tests).")
  int trainLimit;

  public static void main(String[] args) {
    System.exit(new CommandLine(new MakeFixtures()).execute(args));
  }

  @Override
  public Integer call() {
    PrintWriter stdout = spec.commandLine().getOut();
    PrintWriter stderr = spec.commandLine().getErr();
    try {
      long start = System.nanoTime();
      FashionSubset train = FashionSubset.load(data, "train", FixtureModel.NUM_CLASSES);
      if (trainLimit > 0) {
        train = train.head(trainLimit);
      }
      FashionSubset test = FashionSubset.load(data, "t10k", FixtureModel.NUM_CLASSES);
      stdout.printf(Locale.ROOT, "Fashion-MNIST classes 0-4: %d training and %d test images from %s%n",
          train.count(), test.count(), data);
      stdout.flush();
      FixtureTrainer.Settings settings = new FixtureTrainer.Settings(epochs, 64, 1e-3f, seed, threads);
      Files.createDirectories(out);
      List<FixturesReadme.Fixture> fixtures = new ArrayList<>();
      fixtures.add(make(FixtureModel.fashionCnn(), settings, train, test, stdout));
      fixtures.add(make(FixtureModel.fashionMlp(), settings, train, test, stdout));
      List<String> failures = fixtures.stream().map(MakeFixtures::failure).filter(f -> !f.isEmpty()).toList();
      if (!failures.isEmpty()) {
        failures.forEach(stderr::println);
        return 1;
      }
      Files.writeString(out.resolve("README.md"), FixturesReadme.render(fixtures, command(), settings, train.count()),
          StandardCharsets.UTF_8);
      stdout.printf(Locale.ROOT, "Wrote %s in %.1f s%n", out.resolve("README.md"), (System.nanoTime() - start) / 1e9);
      return 0;
    } catch (IOException e) {
      stderr.println(e.getMessage());
      return 1;
    }
  }

  private FixturesReadme.Fixture make(FixtureModel model, FixtureTrainer.Settings settings, FashionSubset train,
      FashionSubset test, PrintWriter stdout) throws IOException {
    long start = System.nanoTime();
    FixtureTrainer.Trained trained = new FixtureTrainer(model, settings, line -> {
      stdout.println(line);
      stdout.flush();
    }).train(train, test);
    double trainSeconds = (System.nanoTime() - start) / 1e9;
    Path dir = out.resolve(model.name());
    if (Files.exists(dir)) {
      MoreFiles.deleteRecursively(dir, RecursiveDeleteOption.ALLOW_INSECURE);
    }
    switch (model.layout()) {
      case TF2_KERAS -> Tf2Export.write(model, trained.weights(), dir);
      case TF1_GRAPH -> Tf1Export.write(model, trained.weights(), dir);
    }
    FixtureCheck.Measured measured = FixtureCheck.measure(dir, test);
    stdout.printf(Locale.ROOT, "%s: trained in %.1f s, %d KB on disk; test accuracy %.4f (TensorFlow), %.4f (Graft, "
            + "flattened), %d/%d same predictions, max abs diff %.1e%n", model.name(), trainSeconds, sizeKb(dir),
        measured.accuracy(), measured.flatAccuracy(), measured.samePredictions(), measured.images(),
        measured.maxAbsDiff());
    stdout.flush();
    return new FixturesReadme.Fixture(model, trained.epochs(), measured);
  }

  private static String failure(FixturesReadme.Fixture fixture) {
    FixtureCheck.Measured m = fixture.measured();
    if (m.samePredictions() == m.images() && m.maxAbsDiff() <= MAX_FLATTEN_DIFF) {
      return "";
    }
    return String.format(Locale.ROOT, "%s: Graft's flattened graph disagrees with TensorFlow's loader (%d/%d same "
        + "predictions, max abs diff %.2e, allowed %.0e); the model was written but README.md was not",
        fixture.model().name(), m.samePredictions(), m.images(), m.maxAbsDiff(), MAX_FLATTEN_DIFF);
  }

  private String command() {
    StringBuilder command = new StringBuilder("java -cp \"target/graft-tools.jar:target/lib/*\" dev.graft.tools.MakeFixtures")
        .append(" --out ").append(out).append(" --data ").append(data)
        .append(" --epochs ").append(epochs).append(" --seed ").append(seed).append(" --threads ").append(threads);
    if (trainLimit > 0) {
      command.append(" --train-limit ").append(trainLimit);
    }
    return command.toString();
  }

  private static long sizeKb(Path dir) throws IOException {
    try (Stream<Path> files = Files.walk(dir)) {
      return files.filter(Files::isRegularFile).mapToLong(p -> p.toFile().length()).sum() / 1024;
    }
  }
}
