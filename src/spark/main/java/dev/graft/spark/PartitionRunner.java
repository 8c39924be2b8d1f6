package dev.graft.spark;

import dev.graft.error.DataException;
import dev.graft.extract.FeatureExtractor;
import dev.graft.extract.FeatureOptions;
import java.util.ArrayDeque;
import java.util.Collections;
import java.util.Iterator;
import java.util.NoSuchElementException;
import org.apache.spark.api.java.function.MapPartitionsFunction;
import org.apache.spark.sql.Row;
import org.apache.spark.sql.RowFactory;
import org.apache.spark.util.CollectionAccumulator;
import org.apache.spark.util.LongAccumulator;

/**
 * What one task does with its partition: reads rows a batch at a time, decodes their images, runs the executor's
 * model on the batch and hands out each input row with the model's outputs appended. Rows are pulled lazily, so a
 * task holds one batch, whatever the partition's size.
 */
final class PartitionRunner implements MapPartitionsFunction<Row, Row> {

  private static final long serialVersionUID = 1L;
  /** Bad images a task names in {@link GraftTransformer#skippedItems()}; the rest are counted only. */
  private static final int NAMED_PER_TASK = 20;

  private final String modelPath;
  private final ModelShipping shipped;
  private final FeatureOptions options;
  private final ImageColumn column;
  private final int batchSize;
  private final boolean skipBad;
  private final LongAccumulator skipped;
  private final CollectionAccumulator<String> skippedItems;

  PartitionRunner(String modelPath, ModelShipping shipped, FeatureOptions options, ImageColumn column, int batchSize,
      boolean skipBad, LongAccumulator skipped, CollectionAccumulator<String> skippedItems) {
    this.modelPath = modelPath;
    this.shipped = shipped;
    this.options = options;
    this.column = column;
    this.batchSize = batchSize;
    this.skipBad = skipBad;
    this.skipped = skipped;
    this.skippedItems = skippedItems;
  }

  @Override
  public Iterator<Row> call(Iterator<Row> rows) {
    if (!rows.hasNext()) {
      return Collections.emptyIterator();
    }
    return new Batches(rows, ExecutorModels.get(shipped != null ? shipped.unpacked().toString() : modelPath, options));
  }

  private final class Batches implements Iterator<Row> {
    private final Iterator<Row> rows;
    private final FeatureExtractor model;
    private final float[] buffer;
    private final Row[] pending;
    private final ArrayDeque<Row> ready = new ArrayDeque<>();
    private int named;

    Batches(Iterator<Row> rows, FeatureExtractor model) {
      this.rows = rows;
      this.model = model;
      this.buffer = new float[Math.multiplyExact(batchSize, model.input().size())];
      this.pending = new Row[batchSize];
    }

    @Override
    public boolean hasNext() {
      if (ready.isEmpty()) {
        fill();
      }
      return !ready.isEmpty();
    }

    @Override
    public Row next() {
      if (!hasNext()) {
        throw new NoSuchElementException("The partition has no more rows");
      }
      return ready.poll();
    }

    /** Decodes up to a batch of rows and runs them. */
    private void fill() {
      int n = 0;
      int size = model.input().size();
      while (n < batchSize && rows.hasNext()) {
        Row row = rows.next();
        String source = column.source(row);
        try {
          column.write(row, source, model.input(), buffer, n * size);
        } catch (DataException e) {
          if (!skipBad) {
            throw e;
          }
          skipped.add(1);
          if (named++ < NAMED_PER_TASK) {
            skippedItems.add(e.getMessage());
          }
          continue;
        }
        pending[n++] = row;
      }
      if (n == 0) {
        return;
      }
      FeatureExtractor.Outputs out = model.run(buffer, n);
      for (int i = 0; i < n; i++) {
        ready.add(withOutputs(pending[i], out, i));
        pending[i] = null;
      }
    }

    private Row withOutputs(Row row, FeatureExtractor.Outputs out, int i) {
      int width = row.length();
      Object[] values = new Object[width + (out.classIds() == null ? 1 : 3)];
      for (int k = 0; k < width; k++) {
        values[k] = row.get(k);
      }
      values[width] = out.row(i);
      if (out.classIds() != null) {
        values[width + 1] = out.classIds()[i];
        values[width + 2] = out.labels()[i];
      }
      return RowFactory.create(values);
    }
  }
}
