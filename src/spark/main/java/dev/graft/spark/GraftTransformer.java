package dev.graft.spark;

import dev.graft.extract.FeatureOptions;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import org.apache.spark.ml.Transformer;
import org.apache.spark.ml.param.BooleanParam;
import org.apache.spark.ml.param.IntParam;
import org.apache.spark.ml.param.Param;
import org.apache.spark.ml.param.ParamMap;
import org.apache.spark.ml.param.ParamValidators;
import org.apache.spark.ml.util.Identifiable$;
import org.apache.spark.sql.Dataset;
import org.apache.spark.sql.Encoders;
import org.apache.spark.sql.Row;
import org.apache.spark.sql.SparkSession;
import org.apache.spark.sql.types.DataTypes;
import org.apache.spark.sql.types.StructField;
import org.apache.spark.sql.types.StructType;
import org.apache.spark.util.CollectionAccumulator;
import org.apache.spark.util.LongAccumulator;

/**
 * A Spark ML transformer that runs a SavedModel over a DataFrame of images: Graft's features at the model's cut
 * (the values a new head reads when {@code retrain} trains it: same cut, resizing and preprocessing), or, for a
 * Graft export, its probabilities and labels.
 *
 * <p>Input rows come from {@code spark.read.format("binaryFile")} (a binary {@code content} column and a
 * {@code path}) or from the {@code image} source (an {@code image} struct). Each executor JVM loads the model once
 * and runs it on batches of {@link #setBatchSize rows} of a partition, with TensorFlow's intra-op threads set to
 * {@code spark.task.cpus}. Output columns are appended to the input's.
 *
 * <pre>{@code
 * Dataset<Row> images = spark.read().format("binaryFile").load("/data/xrays");
 * Dataset<Row> features = new GraftTransformer().setModelPath("/models/mobilenet").setPreprocess("symmetric")
 *     .transform(images);
 * features.select("path", "features").write().parquet("/data/xray-features");
 * }</pre>
 */
public final class GraftTransformer extends Transformer {

  private static final long serialVersionUID = 1L;

  private final Param<String> modelPath;
  private final Param<String> inputCol;
  private final Param<String> pathCol;
  private final Param<String> outputCol;
  private final Param<String> output;
  private final Param<String> classIdCol;
  private final Param<String> predictedLabelCol;
  private final Param<String> cutAt;
  private final Param<String> cutLayer;
  private final Param<String> preprocess;
  private final Param<String> tag;
  private final Param<String> signature;
  private final IntParam batchSize;
  private final BooleanParam skipBad;

  private ModelShipping shipped;
  private transient LongAccumulator skipped;
  private transient CollectionAccumulator<String> skippedItems;

  /** A transformer with a random uid. */
  public GraftTransformer() {
    this(Identifiable$.MODULE$.randomUID("graft"));
  }

  /** A transformer with this uid (Spark's copy and persistence call it). */
  public GraftTransformer(String uid) {
    this.uid = uid;
    modelPath = new Param<>(this, "modelPath", "SavedModel folder every executor sees, or the name of a folder "
        + "shipped with --archives");
    inputCol = new Param<>(this, "inputCol", "binary image column, or the image source's struct column");
    pathCol = new Param<>(this, "pathCol", "column naming each image's file");
    outputCol = new Param<>(this, "outputCol", "column of features, or of probabilities for predictions");
    output = new Param<>(this, "output", "features (at the cut) or predictions (of a Graft export)",
        ParamValidators.inArray(new String[] {FEATURES, PREDICTIONS}));
    classIdCol = new Param<>(this, "classIdCol", "column of predicted class ids");
    predictedLabelCol = new Param<>(this, "predictedLabelCol", "column of predicted class names");
    cutAt = new Param<>(this, "cutAt", "op output to cut at, OP[:INDEX]");
    cutLayer = new Param<>(this, "cutLayer", "layer to cut at");
    preprocess = new Param<>(this, "preprocess", "unit, symmetric, none or meanstd:M,../S,..");
    tag = new Param<>(this, "tag", "meta graph tag");
    signature = new Param<>(this, "signature", "signature key");
    batchSize = new IntParam(this, "batchSize", "images per TensorFlow run", ParamValidators.gtEq(1));
    skipBad = new BooleanParam(this, "skipBad", "skip unreadable images instead of failing");
    setDefault(inputCol, "content");
    setDefault(pathCol, "path");
    setDefault(outputCol, FEATURES);
    setDefault(output, FEATURES);
    setDefault(classIdCol, "class_id");
    setDefault(predictedLabelCol, "predicted_label");
    setDefault(tag, "serve");
    setDefault(signature, "serving_default");
    setDefault(batchSize, 64);
    setDefault(skipBad, false);
  }

  @Override
  public String uid() {
    return uid;
  }

  /** The param: {@link #output} value: features at the cut. */
  public static final String FEATURES = "features";
  /** {@link #output} value: a Graft export's predictions. */
  public static final String PREDICTIONS = "predictions";

  private final String uid;
  /** The SavedModel folder as every executor sees it, or the name of a folder shipped with {@code --archives}. */
  public Param<String> modelPath() {
    return modelPath;
  }

  /** The param: The input column: binary encoded images, or the {@code image} source's struct (default {@code content}). */
  public Param<String> inputCol() {
    return inputCol;
  }

  /** The param: The column naming each image's file, for messages (default {@code path}; unused for image structs). */
  public Param<String> pathCol() {
    return pathCol;
  }

  /** The param: Features' column, or the probabilities' for predictions (default {@code features}). */
  public Param<String> outputCol() {
    return outputCol;
  }

  /** The param: {@code features} or {@code predictions}. */
  public Param<String> output() {
    return output;
  }

  /** The param: For predictions: the column of class ids (default {@code class_id}). */
  public Param<String> classIdCol() {
    return classIdCol;
  }

  /** The param: For predictions: the column of class names (default {@code predicted_label}). */
  public Param<String> predictedLabelCol() {
    return predictedLabelCol;
  }

  /** The param: Cut at an op output, {@code OP[:INDEX]} (default: the located head). */
  public Param<String> cutAt() {
    return cutAt;
  }

  /** The param: Cut at a layer's output (default: the located head). */
  public Param<String> cutLayer() {
    return cutLayer;
  }

  /** The param: {@code unit}, {@code symmetric}, {@code none} or {@code meanstd:...} (default: the model's own). */
  public Param<String> preprocess() {
    return preprocess;
  }

  /** The param: The meta graph tag (default {@code serve}). */
  public Param<String> tag() {
    return tag;
  }

  /** The param: The signature (default {@code serving_default}). */
  public Param<String> signature() {
    return signature;
  }

  /** The param: Images per TensorFlow run (default 64). */
  public IntParam batchSize() {
    return batchSize;
  }

  /** The param: Leave unreadable images out, counting them, instead of failing the job (default false). */
  public BooleanParam skipBad() {
    return skipBad;
  }

  /** Sets {@link #modelPath}. */
  public GraftTransformer setModelPath(String value) {
    return put(modelPath, value);
  }

  /** Sets {@link #inputCol}. */
  public GraftTransformer setInputCol(String value) {
    return put(inputCol, value);
  }

  /** Sets {@link #pathCol}. */
  public GraftTransformer setPathCol(String value) {
    return put(pathCol, value);
  }

  /** Sets {@link #outputCol}. */
  public GraftTransformer setOutputCol(String value) {
    return put(outputCol, value);
  }

  /** Sets {@link #output}: {@link #FEATURES} or {@link #PREDICTIONS}. */
  public GraftTransformer setOutput(String value) {
    return put(output, value);
  }

  /** Sets {@link #classIdCol}. */
  public GraftTransformer setClassIdCol(String value) {
    return put(classIdCol, value);
  }

  /** Sets {@link #predictedLabelCol}. */
  public GraftTransformer setPredictedLabelCol(String value) {
    return put(predictedLabelCol, value);
  }

  /** Sets {@link #cutAt}. */
  public GraftTransformer setCutAt(String value) {
    return put(cutAt, value);
  }

  /** Sets {@link #cutLayer}. */
  public GraftTransformer setCutLayer(String value) {
    return put(cutLayer, value);
  }

  /** Sets {@link #preprocess}. */
  public GraftTransformer setPreprocess(String value) {
    return put(preprocess, value);
  }

  /** Sets {@link #tag}. */
  public GraftTransformer setTag(String value) {
    return put(tag, value);
  }

  /** Sets {@link #signature}. */
  public GraftTransformer setSignature(String value) {
    return put(signature, value);
  }

  /** Sets {@link #batchSize}. */
  public GraftTransformer setBatchSize(int value) {
    return put(batchSize, value);
  }

  /** Sets {@link #skipBad}. */
  public GraftTransformer setSkipBad(boolean value) {
    return put(skipBad, value);
  }

  private <T> GraftTransformer put(Param<T> param, T value) {
    set(param, value);
    return this;
  }

  private String string(Param<String> param) {
    return isDefined(param) ? getOrDefault(param) : null;
  }

  /** The model options this transformer's params give (TensorFlow's threads are set on each executor). */
  public FeatureOptions featureOptions() {
    return FeatureOptions.builder().optTag(string(tag)).optSignature(string(signature)).optCutAt(string(cutAt))
        .optCutLayer(string(cutLayer)).optPreprocess(string(preprocess))
        .optOutput(PREDICTIONS.equals(string(output)) ? FeatureOptions.Output.PREDICTIONS
            : FeatureOptions.Output.FEATURES).build();
  }

  /**
   * Unreadable images left out by the last {@link #transform} with {@link #skipBad}, counted as its tasks ran
   * (a retried task counts again); null before a transform.
   */
  public LongAccumulator skippedCount() {
    return skipped;
  }

  /** The first of those images with the reason, {@code file: reason} (at most 20 a task). */
  public CollectionAccumulator<String> skippedItems() {
    return skippedItems;
  }

  @Override
  public StructType transformSchema(StructType schema) {
    if (!isDefined(modelPath)) {
      throw new IllegalArgumentException("GraftTransformer needs a model: call setModelPath(folder)");
    }
    featureOptions();
    ImageColumn.of(schema, getOrDefault(inputCol), getOrDefault(pathCol));
    List<StructField> fields = new ArrayList<>(Arrays.asList(schema.fields()));
    for (String name : outputNames()) {
      if (Arrays.asList(schema.fieldNames()).contains(name)) {
        throw new IllegalArgumentException("The input already has a column '" + name + "'; pick another output "
            + "column name (setOutputCol, setClassIdCol, setPredictedLabelCol) or drop that column");
      }
    }
    fields.add(DataTypes.createStructField(getOrDefault(outputCol),
        DataTypes.createArrayType(DataTypes.FloatType, false), false));
    if (predictions()) {
      fields.add(DataTypes.createStructField(getOrDefault(classIdCol), DataTypes.LongType, false));
      fields.add(DataTypes.createStructField(getOrDefault(predictedLabelCol), DataTypes.StringType, false));
    }
    return DataTypes.createStructType(fields);
  }

  private boolean predictions() {
    return PREDICTIONS.equals(getOrDefault(output));
  }

  private List<String> outputNames() {
    return predictions() ? List.of(getOrDefault(outputCol), getOrDefault(classIdCol), getOrDefault(predictedLabelCol))
        : List.of(getOrDefault(outputCol));
  }

  @Override
  public Dataset<Row> transform(Dataset<?> dataset) {
    StructType schema = transformSchema(dataset.schema());
    SparkSession spark = dataset.sparkSession();
    skipped = spark.sparkContext().longAccumulator("graft: unreadable images skipped");
    skippedItems = spark.sparkContext().collectionAccumulator("graft: unreadable images");
    PartitionRunner runner = new PartitionRunner(getOrDefault(modelPath), shipped, featureOptions(),
        ImageColumn.of(dataset.schema(), getOrDefault(inputCol), getOrDefault(pathCol)),
        (Integer) getOrDefault(batchSize), (Boolean) getOrDefault(skipBad), skipped, skippedItems);
    return dataset.toDF().mapPartitions(runner, Encoders.row(schema));
  }

  /**
   * Sends the model folder {@link #modelPath} names on the driver's disk to the executors with the job (zipped, as a
   * broadcast variable; unpacked once per executor JVM), for clusters whose nodes do not see that disk.
   */
  public GraftTransformer shipModel(SparkSession spark) {
    shipped = ModelShipping.ship(spark, java.nio.file.Path.of(getOrDefault(modelPath)));
    return this;
  }

  @Override
  public GraftTransformer copy(ParamMap extra) {
    GraftTransformer copy = (GraftTransformer) defaultCopy(extra);
    copy.shipped = shipped;
    return copy;
  }
}
