package dev.graft.tools;

import dev.graft.Graft;
import dev.graft.GraftModel;
import dev.graft.data.batch.Batch;
import dev.graft.data.batch.BatchIterator;
import dev.graft.data.batch.BatchStream;
import dev.graft.data.read.DataOptions;
import dev.graft.data.spec.DataSources;
import dev.graft.data.LabeledData;
import dev.graft.data.view.LabeledDatas;
import dev.graft.data.transform.Preprocessing;
import dev.graft.feature.Featurizer;
import dev.graft.model.SignatureInfo;
import dev.graft.model.TensorSpec;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import java.util.Locale;
import java.util.concurrent.Callable;
import java.util.stream.IntStream;
import org.tensorflow.Result;
import org.tensorflow.SavedModelBundle;
import org.tensorflow.Session;
import picocli.CommandLine;
import picocli.CommandLine.Command;
import picocli.CommandLine.Option;

/**
 * Times Graft's feature pass (what head-only training runs once to cache the features: images read and decoded in
 * parallel, batches prepared ahead, the flattened backbone to the cut, pooled) against the source model's own
 * {@code serving_default} signature, loaded by TensorFlow's SavedModel loader, over the same images in the same
 * batches through the same decoding pipeline. Each round runs both, in alternating order, so a pair shares the
 * machine's load of the moment; the median of the pairs' ratios is the figure.
 *
 * <pre>
 * java -cp "target/graft.jar:target/lib/*" dev.graft.tools.FeaturePassReport --model MODEL --data DIR \
 *     --preprocess symmetric
 * </pre>
 */
@Command(name = "feature-pass-report", mixinStandardHelpOptions = true,
    description = "Graft's feature pass against the source model's own signature inference, over the same batches.")
public final class FeaturePassReport implements Callable<Integer> {

  @Option(names = "--model", required = true, description = "SavedModel folder.") Path model;
  @Option(names = "--data", required = true, description = "Images (a folder of class folders, or csv:FILE).")
  String data;
  @Option(names = "--preprocess", defaultValue = "unit", description = "As retrain's (default: ${DEFAULT-VALUE}).")
  String preprocess;
  @Option(names = "--limit", defaultValue = "512", description = "Images per pass (default: ${DEFAULT-VALUE}).")
  int limit;
  @Option(names = "--rounds", defaultValue = "8",
      description = "Rounds of one pass each, in alternating order (default: ${DEFAULT-VALUE}).")
  int rounds;

  public static void main(String[] args) {
    System.exit(new CommandLine(new FeaturePassReport()).execute(args));
  }

  @Override
  public Integer call() {
    List<Double> graft = new ArrayList<>();
    List<Double> signature = new ArrayList<>();
    List<Double> ratios = new ArrayList<>();
    Preprocessing scaling = Preprocessing.parse(preprocess);
    try (GraftModel graftModel = Graft.load(model).withPreprocessing(scaling);
        SavedModelBundle bundle = SavedModelBundle.load(model.toString(), "serve")) {
      TensorSpec input = graftModel.model().input();
      LabeledData all = DataSources.open(data, DataOptions.builder()
          .optTargetShape(Arrays.copyOfRange(input.shape(), 1, input.shape().length)).build());
      LabeledData images = all.size() <= limit ? all
          : LabeledDatas.subset(all, IntStream.range(0, limit).map(i -> (int) ((long) i * all.size() / limit)).toArray());
      Featurizer featurizer = graftModel.featurizer();
      SignatureInfo sig = graftModel.model().signature();
      System.out.printf(Locale.ROOT, "model     %s: Graft's feature pass to %s (%d features, %s-pooled) against the "
          + "source model's serving_default (%s -> %s) loaded by TensorFlow%n", model, graftModel.cut().describe(),
          featurizer.featureSize(0), graftModel.cut().pooling(), input.key(), sig.outputs().get(0).key());
      System.out.printf(Locale.ROOT, "data      %d images of %s, batches of %d, %d decoding threads, 2 batches "
          + "prepared ahead, preprocess %s, %d cores%n", images.size(), data, BatchStream.forwardBatchSize(images),
          Featurizer.workers(images), preprocess,
          Runtime.getRuntime().availableProcessors());
      timeGraft(featurizer, images);
      timeSignature(bundle.session(), input, sig.outputs().get(0), images, scaling);
      for (int r = 0; r < rounds; r++) {
        boolean graftFirst = r % 2 == 0;
        double a = graftFirst ? timeGraft(featurizer, images) : timeSignature(bundle.session(), input,
            sig.outputs().get(0), images, scaling);
        double b = graftFirst ? timeSignature(bundle.session(), input, sig.outputs().get(0), images, scaling)
            : timeGraft(featurizer, images);
        double g = graftFirst ? a : b;
        double s = graftFirst ? b : a;
        graft.add(g);
        signature.add(s);
        ratios.add(g / s);
        System.out.printf(Locale.ROOT, "round %d   Graft %.1f ex/s, signature %.1f ex/s, ratio %.2f%n", r + 1, g, s,
            g / s);
      }
    }
    double ratio = median(ratios);
    System.out.printf(Locale.ROOT, "%n| figure | median of %d rounds |%n|---|---|%n", rounds);
    System.out.printf(Locale.ROOT, "| source model's own serving_default, TensorFlow's loader | %.1f ex/s |%n",
        median(signature));
    System.out.printf(Locale.ROOT, "| Graft's feature pass (head-only training's caching pass) | %.1f ex/s |%n",
        median(graft));
    System.out.printf(Locale.ROOT, "| Graft / signature, each round's pair | %.2f (lowest %.2f, highest %.2f; target "
        + ">= 0.90: %s) |%n", ratio, ratios.stream().mapToDouble(Double::doubleValue).min().orElse(0),
        ratios.stream().mapToDouble(Double::doubleValue).max().orElse(0), ratio >= 0.9 ? "met" : "missed");
    return 0;
  }

  /** Examples per second of one feature pass, the features copied out as the cache copies them. */
  private static double timeGraft(Featurizer featurizer, LabeledData images) {
    float[] sink = new float[(int) (images.size() * featurizer.featureSize(0))];
    long start = System.nanoTime();
    int[] seen = {0};
    featurizer.pass(images, false, (batch, features) -> {
      features.get(0).asRawTensor().data().asFloats().read(sink, (int) (seen[0] * featurizer.featureSize(0)),
          (int) (batch.size() * featurizer.featureSize(0)));
      seen[0] += batch.size();
    });
    return seen[0] / ((System.nanoTime() - start) / 1e9);
  }

  /** Examples per second of the signature over the same batches, read and decoded the same way. */
  private static double timeSignature(Session session, TensorSpec input, TensorSpec output, LabeledData images,
      Preprocessing scaling) {
    long start = System.nanoTime();
    int seen = 0;
    try (BatchStream stream = BatchStream.builder().setData(LabeledDatas.preprocessed(images, scaling))
        .setBatchSize(BatchStream.forwardBatchSize(images)).optShuffle(false)
        .optWorkers(Featurizer.workers(images)).optPrefetch(2).build();
        BatchIterator batches = stream.epoch(0)) {
      while (batches.hasNext()) {
        try (Batch batch = batches.next();
            Result r = session.runner().feed(input.tensor(), batch.features()).fetch(output.tensor()).run()) {
          seen += batch.size();
        }
      }
    }
    return seen / ((System.nanoTime() - start) / 1e9);
  }

  private static double median(List<Double> values) {
    List<Double> sorted = values.stream().sorted().toList();
    int n = sorted.size();
    return n % 2 == 1 ? sorted.get(n / 2) : (sorted.get(n / 2 - 1) + sorted.get(n / 2)) / 2;
  }
}
