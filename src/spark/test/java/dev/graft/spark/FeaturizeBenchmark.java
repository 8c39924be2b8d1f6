package dev.graft.spark;

import dev.graft.head.CutChoice;
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
import dev.graft.extract.FeatureOptions;
import java.io.IOException;
import java.lang.management.ManagementFactory;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.concurrent.TimeUnit;
import org.apache.spark.sql.SparkSession;
import org.tensorflow.Result;

/**
 * The feature pass over a folder of images on one JVM (as {@code retrain} caches features: batches of 256,
 * decoding on the prefetch thread) against the same pass on Spark local[2] (the feature job: binaryFile rows,
 * the transformer, Parquet written), each in its own JVM, in alternating order; prints both and their ratio.
 *
 * <pre>
 * mvn -q -Pspark-bench verify -Dspark.bench.args="--rounds 2"
 * </pre>
 */
public final class FeaturizeBenchmark {

  private FeaturizeBenchmark() {}

  /** What one pass measured. */
  private record Pass(String kind, int images, double seconds) {
    double rate() {
      return images / seconds;
    }
  }

  public static void main(String[] args) throws Exception {
    Map<String, String> options = new LinkedHashMap<>(Map.of("--model", "target/python-fixtures/mobilenet_v1_025_pooled",
        "--data", TestImages.XRAY_TRAIN.toString(), "--preprocess", "symmetric", "--rounds", "2",
        "--feature-batch", "64"));
    for (int i = 0; i + 1 < args.length; i += 2) {
      if (!options.containsKey(args[i]) && !args[i].equals("--pass")) {
        throw new IllegalArgumentException("Unknown option " + args[i] + "; options: " + options.keySet());
      }
      options.put(args[i], args[i + 1]);
    }
    if (options.containsKey("--pass")) {
      Pass pass = options.get("--pass").equals("single") ? single(options) : spark(options);
      System.out.printf(Locale.ROOT, "PASS %s %d %.3f%n", pass.kind(), pass.images(), pass.seconds());
      return;
    }
    Path model = Path.of(options.get("--model"));
    if (!Files.isDirectory(model) || !Files.isDirectory(Path.of(options.get("--data")))) {
      throw new IllegalArgumentException("Needs the model " + model + " (mvn test writes it) and the images "
          + options.get("--data"));
    }
    double load = ManagementFactory.getOperatingSystemMXBean().getSystemLoadAverage();
    long start = System.nanoTime();
    List<Pass> single = new ArrayList<>();
    List<Pass> spark = new ArrayList<>();
    int rounds = Integer.parseInt(options.get("--rounds"));
    for (int r = 0; r < rounds; r++) {
      for (String kind : r % 2 == 0 ? List.of("single", "spark") : List.of("spark", "single")) {
        Pass pass = child(kind, options);
        System.out.printf(Locale.ROOT, "round %d  %-6s  %d images in %.1f s  %.1f images/s%n", r + 1, kind,
            pass.images(), pass.seconds(), pass.rate());
        (kind.equals("single") ? single : spark).add(pass);
      }
    }
    double singleRate = single.stream().mapToDouble(Pass::rate).average().orElseThrow();
    double sparkRate = spark.stream().mapToDouble(Pass::rate).average().orElseThrow();
    System.out.printf(Locale.ROOT, "%nmachine   %d cores; 1-minute load average %.2f before, %.2f after; %.0f s in all%n",
        Runtime.getRuntime().availableProcessors(), load,
        ManagementFactory.getOperatingSystemMXBean().getSystemLoadAverage(), (System.nanoTime() - start) / 1e9);
    System.out.printf(Locale.ROOT, "data      %s: %d images; model %s, preprocessing %s%n", options.get("--data"),
        single.get(0).images(), model, options.get("--preprocess"));
    System.out.printf(Locale.ROOT, "single    one JVM, Graft's feature pass (batches of 256, decoding on the prefetch "
        + "thread, TensorFlow's threads): %.1f images/s (mean of %d)%n", singleRate, single.size());
    System.out.printf(Locale.ROOT, "spark     local[2], the feature job (binaryFile, batches of %s a task, TensorFlow "
        + "intra-op 1 / inter-op 2, Parquet written): %.1f images/s (mean of %d)%n", options.get("--feature-batch"),
        sparkRate, spark.size());
    System.out.printf(Locale.ROOT, "ratio     spark / single = %.2f (target >= 0.80)%n", sparkRate / singleRate);
  }

  /** Runs one pass in a fresh JVM: TensorFlow keeps a process's first thread settings. */
  private static Pass child(String kind, Map<String, String> options) throws IOException, InterruptedException {
    List<String> command = new ArrayList<>(List.of(Path.of(System.getProperty("java.home"), "bin", "java").toString(),
        "-Xmx3g", "-Dorg.slf4j.simpleLogger.defaultLogLevel=warn",
        "-Dorg.slf4j.simpleLogger.log.org.apache.spark=off", "-Dorg.slf4j.simpleLogger.log.org.apache.hadoop=off",
        "-cp", System.getProperty("java.class.path"), FeaturizeBenchmark.class.getName(), "--pass", kind));
    options.forEach((k, v) -> command.addAll(List.of(k, v)));
    ProcessBuilder pb = new ProcessBuilder(command).redirectErrorStream(true);
    pb.environment().put("SPARK_LOCAL_IP", "127.0.0.1");
    pb.environment().put("TF_CPP_MIN_LOG_LEVEL", "2");
    Process process = pb.start();
    String out = new String(process.getInputStream().readAllBytes());
    if (!process.waitFor(30, TimeUnit.MINUTES) || process.exitValue() != 0) {
      throw new IllegalStateException("The " + kind + " pass failed:\n" + out);
    }
    String line = out.lines().filter(l -> l.startsWith("PASS ")).findFirst()
        .orElseThrow(() -> new IllegalStateException("The " + kind + " pass printed no result:\n" + out));
    String[] parts = line.split(" ");
    return new Pass(parts[1], Integer.parseInt(parts[2]), Double.parseDouble(parts[3]));
  }

  /** Graft's own feature pass: what the head-only retrain's caching does, rows copied into one array. */
  private static Pass single(Map<String, String> options) {
    try (GraftModel model = Graft.load(Path.of(options.get("--model")), CutChoice.none())) {
      model.withPreprocessing(Preprocessing.parse(options.get("--preprocess")));
      long[] shape = model.model().input().shape();
      LabeledData data = LabeledDatas.preprocessed(DataSources.open(options.get("--data"),
          DataOptions.builder().optTargetShape(Arrays.copyOfRange(shape, 1, shape.length)).build()),
          model.preprocessing());
      SingleMachine.cutFeatures(model, LabeledDatas.subset(data, new int[] {0, 1, 2, 3}));
      long start = System.nanoTime();
      SingleMachine.cutFeatures(model, data);
      return new Pass("single", data.size(), (System.nanoTime() - start) / 1e9);
    }
  }

  /** The Spark feature job on local[2], after one small job that loads and warms the executor's model. */
  private static Pass spark(Map<String, String> options) throws IOException {
    SparkSession spark = SparkSession.builder().master("local[2]").appName("graft-bench")
        .config("spark.ui.enabled", "false").config("spark.driver.host", "127.0.0.1")
        .config("spark.driver.bindAddress", "127.0.0.1").getOrCreate();
    Path out = Files.createTempDirectory("graft-bench-");
    try {
      Path warm = out.resolve("warm-images");
      for (String cls : List.of("NORMAL", "PNEUMONIA")) {
        Path target = Files.createDirectories(warm.resolve(cls));
        try (var files = Files.list(Path.of(options.get("--data")).resolve(cls))) {
          for (Path f : files.sorted().limit(2).toList()) {
            Files.copy(f, target.resolve(f.getFileName()));
          }
        }
      }
      FeatureOptions features = FeatureOptions.builder().optPreprocess(options.get("--preprocess")).build();
      int batch = Integer.parseInt(options.get("--feature-batch"));
      Featurize.run(spark, Featurize.Job.builder().setModel(Path.of(options.get("--model"))).setData(warm.toString())
          .setFeatures(out.resolve("warm").toString()).optOptions(features).optBatchSize(batch).build());
      long start = System.nanoTime();
      Featurize.Result result = Featurize.run(spark, Featurize.Job.builder().setModel(Path.of(options.get("--model")))
          .setData(options.get("--data")).setFeatures(out.resolve("features").toString()).optOptions(features)
          .optBatchSize(batch).build());
      return new Pass("spark", (int) result.table().info().rows(), (System.nanoTime() - start) / 1e9);
    } finally {
      spark.stop();
      ExecutorModels.closeAll();
      try (var walk = Files.walk(out)) {
        walk.sorted(java.util.Comparator.reverseOrder()).forEach(p -> p.toFile().delete());
      }
    }
  }
}
