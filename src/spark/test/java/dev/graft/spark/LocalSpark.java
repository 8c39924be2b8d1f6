package dev.graft.spark;

import org.apache.spark.sql.SparkSession;

/**
 * One local[2] Spark session for every test class of the JVM (starting one costs seconds), bound to loopback and
 * without the web UI; stopped when the JVM exits (and made again if a command under test stopped it).
 */
final class LocalSpark {

  private static SparkSession session;
  private static boolean hooked;

  private LocalSpark() {}

  static synchronized SparkSession session() {
    if (session == null || session.sparkContext().isStopped()) {
      session = SparkSession.builder().master("local[2]").appName("graft-tests")
          .config("spark.ui.enabled", "false")
          .config("spark.driver.host", "127.0.0.1")
          .config("spark.driver.bindAddress", "127.0.0.1")
          .config("spark.sql.shuffle.partitions", "2")
          .config("spark.sql.files.maxPartitionBytes", String.valueOf(64 * 1024))
          .getOrCreate();
      session.sparkContext().setLogLevel("ERROR");
      if (!hooked) {
        Runtime.getRuntime().addShutdownHook(new Thread(LocalSpark::stop, "graft-tests-spark-stop"));
        hooked = true;
      }
    }
    return session;
  }

  private static synchronized void stop() {
    if (session != null) {
      session.stop();
      session = null;
    }
  }
}
