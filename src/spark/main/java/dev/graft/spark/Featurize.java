package dev.graft.spark;

import com.google.common.hash.Hashing;
import dev.graft.extract.FeatureExtractor;
import dev.graft.extract.FeatureOptions;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import org.apache.spark.sql.SparkSession;

/**
 * The feature step on a cluster: a folder of class folders of images in, a {@link FeatureTable} out, with the model
 * checked on the driver first (so a wrong cut or preprocessing fails before any task starts).
 *
 * <pre>{@code
 * Featurize.Result result = Featurize.run(spark, Featurize.Job.builder().setModel(Path.of("mobilenet"))
 *     .setData("hdfs://nn/xrays/train").setFeatures("hdfs://nn/xrays/train-features")
 *     .optOptions(FeatureOptions.builder().optPreprocess("symmetric").build()).build());
 * }</pre>
 */
public final class Featurize {

  private Featurize() {}

  /**
   * A feature job.
   *
   * @param model the model folder on the driver's disk
   * @param data the image folder (any file system Spark reads)
   * @param features the table to write; must not exist
   * @param options cut, preprocessing, tag and signature
   * @param batchSize images per TensorFlow run in a task
   * @param skipBad leave unreadable images out instead of failing
   * @param shipModel send the model to the executors ({@code null}: when they run in other JVMs)
   */
  public record Job(Path model, String data, String features, FeatureOptions options, int batchSize, boolean skipBad,
      Boolean shipModel) {

    /** A builder: features at the located cut, the model's preprocessing, batches of 64, failing on bad images. */
    public static Builder builder() {
      return new Builder();
    }

    /** Builds a {@link Job}. */
    public static final class Builder {
      private Path model;
      private String data;
      private String features;
      private FeatureOptions options = FeatureOptions.builder().build();
      private int batchSize = 64;
      private boolean skipBad;
      private Boolean shipModel;

      private Builder() {}

      /** The model folder. */
      public Builder setModel(Path model) {
        this.model = model;
        return this;
      }

      /** The folder of class folders of images. */
      public Builder setData(String data) {
        this.data = data;
        return this;
      }

      /** The features table to write. */
      public Builder setFeatures(String features) {
        this.features = features;
        return this;
      }

      /** Cut, preprocessing, tag and signature. */
      public Builder optOptions(FeatureOptions options) {
        this.options = options;
        return this;
      }

      /** Images per TensorFlow run (default 64). */
      public Builder optBatchSize(int batchSize) {
        this.batchSize = batchSize;
        return this;
      }

      /** Skip unreadable images (default false). */
      public Builder optSkipBad(boolean skipBad) {
        this.skipBad = skipBad;
        return this;
      }

      /** Ship the model to the executors (default: when they run in other JVMs). */
      public Builder optShipModel(Boolean shipModel) {
        this.shipModel = shipModel;
        return this;
      }

      /** The job. */
      public Job build() {
        if (model == null || data == null || features == null) {
          throw new IllegalStateException("A feature job needs setModel, setData and setFeatures");
        }
        if (batchSize < 1) {
          throw new IllegalArgumentException("--feature-batch must be at least 1, got " + batchSize);
        }
        return new Job(model, data, features, options, batchSize, skipBad, shipModel);
      }
    }
  }

  /**
   * What a feature job did.
   *
   * @param table the table written
   * @param skippedItems the first unreadable images left out, {@code file: reason}
   * @param seconds wall time of the Spark job
   * @param shippedAs the model folder's name when it was shipped to the executors, else null
   */
  public record Result(FeatureTable table, List<String> skippedItems, double seconds, String shippedAs) {}

  /**
   * Runs the job.
   *
   * @throws dev.graft.error.DataException naming the file, as on one machine, when an image is unreadable (without
   *     {@code skipBad}) or the folder is no folder of class folders
   * @throws dev.graft.error.GraftException when the model cannot be loaded, on the driver or on an executor
   */
  public static Result run(SparkSession spark, Job job) {
    FeatureOptions options = job.options().toBuilder().optOutput(FeatureOptions.Output.FEATURES).build();
    ImageFolders folders = ImageFolders.list(spark, job.data(), job.skipBad());
    String cutTensor;
    long featureSize;
    // In local mode the driver's JVM runs the tasks: its check loads the very model they use (TensorFlow keeps a
    // process's first thread settings), once.
    boolean local = spark.sparkContext().isLocal();
    FeatureExtractor check = local ? ExecutorModels.get(job.model().toAbsolutePath().normalize().toString(), options)
        : FeatureExtractor.open(job.model(), options);
    FeatureOptions resolved;
    try {
      resolved = options.toBuilder().optPreprocess(check.input().preprocessing().toString()).build();
      cutTensor = check.backbone().cut().features();
      featureSize = check.width();
    } finally {
      if (!local) {
        check.close();
      }
    }
    boolean ship = job.shipModel() != null ? job.shipModel() : ModelShipping.remote(spark);
    // remote executors scale with exactly what the driver resolved, whatever their defaults; local tasks find the
    // model the check loaded under the options as given
    GraftTransformer transformer = transformer(job.model().toAbsolutePath().normalize().toString(),
        local ? options : resolved)
        .setBatchSize(job.batchSize()).setSkipBad(job.skipBad());
    if (ship) {
      transformer.shipModel(spark);
    }
    FeatureOptions used = resolved;
    long start = System.nanoTime();
    FeatureTable table;
    try {
      table = FeatureTable.write(transformer.transform(folders.read(spark)), job.features(),
          rows -> new FeatureTable.Info(job.model().toAbsolutePath().normalize().toString(), sha256(job.model()),
              used.tag(), used.signature(), used.cutAt(), used.cutLayer(), cutTensor, featureSize, used.preprocess(),
              folders.root(), folders.classNames(), rows, transformer.skippedCount().value()));
    } catch (Exception e) {
      throw SparkJobs.unwrap(e);
    }
    return new Result(table, List.copyOf(transformer.skippedItems().value()), (System.nanoTime() - start) / 1e9,
        ship ? job.model().toAbsolutePath().normalize().getFileName().toString() : null);
  }

  /** A transformer with these options' model, cut, preprocessing and output. */
  public static GraftTransformer transformer(String modelPath, FeatureOptions options) {
    GraftTransformer t = new GraftTransformer().setModelPath(modelPath).setTag(options.tag())
        .setSignature(options.signature())
        .setOutput(options.output() == FeatureOptions.Output.PREDICTIONS ? GraftTransformer.PREDICTIONS
            : GraftTransformer.FEATURES);
    if (options.cutAt() != null) {
      t.setCutAt(options.cutAt());
    }
    if (options.cutLayer() != null) {
      t.setCutLayer(options.cutLayer());
    }
    if (options.preprocess() != null) {
      t.setPreprocess(options.preprocess());
    }
    return t;
  }

  /** SHA-256 of a model's {@code saved_model.pb}, which says whether two folders hold the same graph. */
  public static String sha256(Path model) {
    try {
      return Hashing.sha256().hashBytes(Files.readAllBytes(model.resolve("saved_model.pb"))).toString();
    } catch (IOException e) {
      throw new UncheckedIOException("Cannot read " + model.resolve("saved_model.pb") + ": " + e.getMessage(), e);
    }
  }
}
