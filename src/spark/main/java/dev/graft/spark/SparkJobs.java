package dev.graft.spark;

import dev.graft.error.GraftException;
import dev.graft.error.DataException;
import org.apache.spark.SparkConf;
import org.apache.spark.sql.SparkSession;

/** What every Spark job of Graft needs around it: a session, the user's error out of Spark's, and cleanup. */
public final class SparkJobs {

  private SparkJobs() {}

  /**
   * The session: on the master spark-submit gave, else on {@code master} ({@code local[*]} when null), the
   * embedded default.
   */
  public static SparkSession session(String master) {
    SparkSession.Builder builder = SparkSession.builder().appName("graft");
    if (!new SparkConf().contains("spark.master")) {
      builder.master(master == null ? "local[*]" : master);
    } else if (master != null) {
      builder.master(master);
    }
    SparkSession spark = builder.getOrCreate();
    spark.sparkContext().setLogLevel("WARN");
    return spark;
  }

  /**
   * Stops the session and, in local mode, closes the models its tasks loaded in this JVM.
   */
  public static void stop(SparkSession spark) {
    boolean local = spark.sparkContext().isLocal();
    spark.stop();
    if (local) {
      ExecutorModels.closeAll();
    }
  }

  /**
   * The Graft exception behind a Spark failure: Spark wraps a task's exception in its own ("Job aborted due to stage
   * failure..."), and the user's problem is the one inside, which crossed from the executor with its message.
   *
   * <p>Spark's own exceptions are checked ones in Java's eyes, though its methods declare none: catch
   * {@code Exception} around a Spark action and rethrow what this returns.
   *
   * @return that exception; else {@code failure} itself when unchecked, or wrapped with its message
   */
  public static RuntimeException unwrap(Throwable failure) {
    for (Throwable t = failure; t != null; t = t.getCause()) {
      if (t instanceof DataException || t instanceof GraftException) {
        return (RuntimeException) t;
      }
      if (t.getCause() == t) {
        break;
      }
    }
    return failure instanceof RuntimeException r ? r : new IllegalStateException(failure.getMessage(), failure);
  }
}
