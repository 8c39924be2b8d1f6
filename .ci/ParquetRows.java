import org.apache.spark.sql.SparkSession;

/** Prints the row count of a Parquet folder, read by Spark in local mode: java -cp SPARK_JARS ParquetRows.java DIR */
public class ParquetRows {
  public static void main(String[] args) {
    SparkSession spark = SparkSession.builder().master("local[1]").appName("parquet-rows")
        .config("spark.ui.enabled", "false").config("spark.driver.host", "127.0.0.1")
        .config("spark.driver.bindAddress", "127.0.0.1").getOrCreate();
    try {
      System.out.println(spark.read().parquet(args[0]).count());
    } finally {
      spark.stop();
    }
  }
}
