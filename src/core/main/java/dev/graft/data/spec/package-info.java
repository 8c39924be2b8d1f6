/**
 * The top of the data stack: a data spec as users write it ({@code images/}, {@code train.csv},
 * {@code idx:images,labels}, {@code tfrecord:*.tfrecord}, {@code fashion-mnist:test}) parsed into a {@code DataSpec}
 * and opened by {@code DataSources} with the right reader and the class subset of the options applied. The CLI, the
 * Spark jobs and the README's example open their data here.
 */
package dev.graft.data.spec;
