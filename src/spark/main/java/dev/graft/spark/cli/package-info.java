/**
 * The {@code graft-spark} command (the Main-Class of {@code target/graft-spark.jar}): featurize, train, retrain and
 * score on Spark, in local mode by default or on the cluster spark-submit names.
 */
package dev.graft.spark.cli;
