package dev.graft.spark;

import dev.graft.GraftModel;
import dev.graft.head.HeadSpec;
import java.util.List;
import org.apache.spark.ml.classification.LogisticRegression;
import org.apache.spark.ml.classification.LogisticRegressionModel;
import org.apache.spark.ml.linalg.Matrix;
import org.apache.spark.ml.linalg.Vector;
import org.apache.spark.sql.Column;
import org.apache.spark.sql.Dataset;
import org.apache.spark.sql.Row;
import org.apache.spark.sql.SparkSession;
import org.apache.spark.sql.functions;

/**
 * Trains a softmax head with Spark MLlib's multinomial logistic regression where the features lie (L-BFGS over the
 * whole table, no rows on the driver), and sets it as the model's new head: {@code softmax(x W + b)} is what
 * MLlib's multinomial model computes, so the export answers MLlib's probabilities. No hidden layers or dropout:
 * those need {@link DriverHead}.
 */
public final class MllibHead {

  private MllibHead() {}

  /**
   * MLlib's settings.
   *
   * @param maxIter L-BFGS iterations
   * @param regParam L2 regularization strength (MLlib's {@code regParam}, elastic net 0)
   * @param valSplit the validation fraction (by a hash of each path and the seed); 0 for none
   * @param seed the split's seed
   */
  public record Options(int maxIter, double regParam, double valSplit, long seed) {

    /** Checks the values. */
    public Options {
      if (maxIter < 1) {
        throw new IllegalArgumentException("--mllib-iter must be at least 1, got " + maxIter);
      }
      if (!(regParam >= 0)) {
        throw new IllegalArgumentException("--mllib-reg must be >= 0, got " + regParam);
      }
      if (!(valSplit >= 0 && valSplit < 1)) {
        throw new IllegalArgumentException("--val-split must be in [0, 1), got " + valSplit);
      }
    }
  }

  /**
   * What the training measured.
   *
   * @param model MLlib's model
   * @param iterations iterations L-BFGS ran
   * @param valAccuracy accuracy on the validation rows, NaN without
   * @param valLoss mean cross-entropy on them, NaN without
   * @param valRows validation rows
   * @param seconds wall time of the fit
   */
  public record Result(LogisticRegressionModel model, int iterations, double valAccuracy, double valLoss,
      long valRows, double seconds) {}

  /** Fits on the table's training rows and sets the model's new head to the fit. */
  public static Result train(SparkSession spark, FeatureTable table, GraftModel model, Options options) {
    Dataset<Row> rows = vectors(table.read(spark));
    Column isVal = functions.pmod(functions.xxhash64(functions.col("path"), functions.lit(options.seed())),
        functions.lit(10_000)).lt(functions.lit((long) Math.round(options.valSplit() * 10_000)));
    Dataset<Row> train = rows.filter(functions.not(isVal));
    Dataset<Row> val = rows.filter(isVal);
    long start = System.nanoTime();
    LogisticRegressionModel fit;
    try {
      fit = new LogisticRegression().setFamily("multinomial").setFeaturesCol("vector").setLabelCol("label")
          .setMaxIter(options.maxIter()).setRegParam(options.regParam()).setElasticNetParam(0).setTol(1e-7)
          .fit(train);
    } catch (Exception e) {
      throw SparkJobs.unwrap(e);
    }
    double seconds = (System.nanoTime() - start) / 1e9;
    List<String> classes = table.info().classNames();
    model.replaceHead(HeadSpec.builder().setNumClasses(classes.size()).build());
    model.assignHead(headValues(fit, Math.toIntExact(table.info().featureSize()), classes.size()), classes);
    double accuracy = Double.NaN;
    double loss = Double.NaN;
    long valRows = 0;
    if (options.valSplit() > 0) {
      Row m = metrics(fit, val);
      valRows = m.getLong(2);
      accuracy = valRows == 0 ? Double.NaN : m.getDouble(0);
      loss = valRows == 0 ? Double.NaN : m.getDouble(1);
    }
    return new Result(fit, fit.summary().totalIterations(), accuracy, loss, valRows, seconds);
  }

  /** Accuracy, mean cross-entropy and count of the fit on {@code val}. */
  private static Row metrics(LogisticRegressionModel fit, Dataset<Row> val) {
    try {
      return fit.transform(val).select(
          functions.avg(functions.col("prediction").equalTo(functions.col("label")).cast("double")),
          functions.avg(functions.log(functions.greatest(functions.lit(1e-12), functions.element_at(
              org.apache.spark.ml.functions.vector_to_array(functions.col("probability"), "float64"),
              functions.col("label").plus(1)))).multiply(-1)),
          functions.count(functions.lit(1))).first();
    } catch (Exception e) {
      throw SparkJobs.unwrap(e);
    }
  }

  /** The table's rows with their features as an MLlib vector column {@code vector}. */
  static Dataset<Row> vectors(Dataset<Row> rows) {
    return rows.withColumn("vector", org.apache.spark.ml.functions.array_to_vector(functions.col("features")));
  }

  /** MLlib's coefficients {@code [K, F]} and intercepts as Graft's head kernel {@code [F, K]} and bias. */
  static List<float[]> headValues(LogisticRegressionModel fit, int features, int classes) {
    Matrix coefficients = fit.coefficientMatrix();
    Vector intercepts = fit.interceptVector();
    if (coefficients.numRows() != classes || coefficients.numCols() != features) {
      throw new IllegalStateException("MLlib gave " + coefficients.numRows() + "x" + coefficients.numCols()
          + " coefficients for " + classes + " classes of " + features + " features");
    }
    float[] kernel = new float[features * classes];
    float[] bias = new float[classes];
    for (int k = 0; k < classes; k++) {
      for (int f = 0; f < features; f++) {
        kernel[f * classes + k] = (float) coefficients.apply(k, f);
      }
      bias[k] = (float) intercepts.apply(k);
    }
    return List.of(kernel, bias);
  }
}
