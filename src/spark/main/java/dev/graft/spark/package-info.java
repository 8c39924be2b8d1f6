/**
 * Graft on Apache Spark: image features computed where the data lives (a Spark ML transformer with one model per
 * executor JVM), a head trained on them, and one export of backbone and head; the same transformer scores exports.
 */
package dev.graft.spark;
