package dev.graft.data.read;

import dev.graft.data.ExampleKind;
import dev.graft.data.LabeledData;
import dev.graft.data.SkippedItem;
import dev.graft.error.DataException;
import dev.graft.data.read.internal.ImageDecoder;
import dev.graft.data.read.internal.ImageTarget;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import java.util.TreeSet;

/**
 * Reads a CSV of numeric feature columns plus a label column, or of {@code path,label} rows listing image files.
 *
 * <p>The header is detected (a first row with fewer numbers than the second); the label column is the last one
 * unless {@link DataOptions#labelColumn()} says. Labels are class names, or integers {@code 0..n-1}. The image-list
 * form is picked when the first non-label column of the first row names an existing file (relative paths resolve
 * against the CSV's folder).
 *
 * <pre>{@code
 * LabeledData iris = CsvData.open(Path.of("iris.csv"), DataOptions.builder().optLabelColumn("species").build());
 * }</pre>
 */
public final class CsvData extends AbstractLabeledData {

  private final float[] features;
  private final int width;

  private CsvData(String name, float[] features, int width, int[] labels, List<String> classNames,
      List<SkippedItem> skipped) {
    super(name, new long[] {width}, ExampleKind.FLOAT, classNames, labels, skipped);
    this.features = features;
    this.width = width;
  }

  /**
   * Reads {@code csv}.
   *
   * @throws DataException naming the file and line of the first bad row (unless skipBad), or a missing label column
   */
  public static LabeledData open(Path csv, DataOptions options) {
    CsvTable table = CsvTable.read(csv, options);
    String[] first = table.rows.get(0).cells();
    int pathColumn = table.firstFeatureColumn();
    if (pathColumn < first.length && CsvTable.isFile(csv, first[pathColumn])) {
      return openImages(table, pathColumn, options);
    }
    return openNumeric(table, options);
  }

  private static LabeledData openNumeric(CsvTable table, DataOptions options) {
    int width = table.columns - 1;
    long[] target = options.targetShape().orElse(null);
    if (target != null && target.length != 1) {
      throw new DataException(table.file.toString(), "holds feature vectors of " + width + " numbers, but"
          + " the model takes images " + Arrays.toString(target) + "; use a model whose input is a vector"
          + " [N, " + width + "], or list image files as path,label rows");
    }
    if (target != null && target[0] != width) {
      throw new DataException(table.file.toString(), "holds " + width + " feature columns (besides the label column "
          + table.columnName(table.labelColumn) + "), but the model input takes vectors of " + target[0]
          + " values; give one column per model input value, or pick the label column with its name");
    }
    float[] features = new float[Math.max(16, table.rows.size() * width)];
    List<String> labelCells = new ArrayList<>();
    List<CsvTable.Row> kept = new ArrayList<>();
    List<SkippedItem> skipped = new ArrayList<>();
    for (CsvTable.Row row : table.rows) {
      try {
        parseFeatures(table, row, features, kept.size() * width);
        kept.add(row);
        labelCells.add(row.cells()[table.labelColumn]);
      } catch (DataException e) {
        if (!options.skipBad()) {
          throw e;
        }
        skipped.add(SkippedItem.of(e));
      }
    }
    Labels labels = Labels.of(table, kept, labelCells, options, skipped);
    float[] compact = new float[labels.rows().length * width];
    for (int i = 0; i < labels.rows().length; i++) {
      System.arraycopy(features, labels.rows()[i] * width, compact, i * width, width);
    }
    return new CsvData(table.file.toString(), compact, width, labels.labels(), labels.names(), skipped);
  }

  private static void parseFeatures(CsvTable table, CsvTable.Row row, float[] dst, int offset) {
    String[] cells = row.cells();
    if (cells.length != table.columns) {
      throw new DataException(table.at(row), "has " + cells.length + " columns, expected " + table.columns
          + "; fix the row, or " + DataException.SKIP_HINT);
    }
    for (int c = 0, j = offset; c < cells.length; c++) {
      if (c == table.labelColumn) {
        continue;
      }
      float v;
      try {
        v = Float.parseFloat(cells[c]);
      } catch (NumberFormatException e) {
        v = Float.NaN;
      }
      if (!Float.isFinite(v)) {
        throw new DataException(table.at(row), "column " + table.columnName(c) + " holds '" + cells[c]
            + "', expected a finite number; fix the value, or " + DataException.SKIP_HINT);
      }
      dst[j++] = v;
    }
    if (cells[table.labelColumn].isEmpty()) {
      throw new DataException(table.at(row), "has an empty label in column " + table.columnName(table.labelColumn)
          + "; fill it in, or " + DataException.SKIP_HINT);
    }
  }

  private static LabeledData openImages(CsvTable table, int pathColumn, DataOptions options) {
    List<CsvTable.Row> kept = new ArrayList<>();
    List<String> labelCells = new ArrayList<>();
    List<SkippedItem> skipped = new ArrayList<>();
    for (CsvTable.Row row : table.rows) {
      try {
        String[] cells = row.cells();
        if (cells.length <= Math.max(pathColumn, table.labelColumn) || cells[table.labelColumn].isEmpty()) {
          throw new DataException(table.at(row), "has no path or no label, expected path,label; fix the row, or "
              + DataException.SKIP_HINT);
        }
        Path file = table.resolve(cells[pathColumn]);
        if (!CsvTable.isFile(table.file, cells[pathColumn])) {
          throw new DataException(table.at(row), "image file " + file + " does not exist; fix the path (relative paths"
              + " resolve against the CSV's folder), or " + DataException.SKIP_HINT);
        }
        if (options.skipBad()) {
          ImageDecoder.probe(file);
        }
        kept.add(row);
        labelCells.add(cells[table.labelColumn]);
      } catch (DataException e) {
        if (!options.skipBad()) {
          throw e;
        }
        skipped.add(SkippedItem.of(e));
      }
    }
    Labels labels = Labels.of(table, kept, labelCells, options, skipped);
    String[] files = new String[labels.rows().length];
    for (int i = 0; i < files.length; i++) {
      files[i] = table.resolve(kept.get(labels.rows()[i]).cells()[pathColumn]).toString();
    }
    Path base = table.file.toAbsolutePath().getParent();
    ImageTarget target = ImageTarget.resolve(options.targetShape(), () -> ImageDecoder.probe(Path.of(files[0])));
    return new ImageFilesData(table.file.toString(), base, files, labels.labels(), labels.names(), target, skipped);
  }

  /** Labels of the kept rows: {@code rows} indexes into the kept rows whose label was valid. */
  private record Labels(int[] rows, int[] labels, List<String> names) {

    static Labels of(CsvTable table, List<CsvTable.Row> kept, List<String> cells, DataOptions options,
        List<SkippedItem> skipped) {
      if (kept.isEmpty()) {
        throw new DataException(table.file.toString(), "has no usable rows (" + skipped.size() + " skipped, first: "
            + (skipped.isEmpty() ? "none" : skipped.get(0)) + ")");
      }
      boolean ints = cells.stream().allMatch(c -> c.matches("-?\\d{1,9}"));
      List<String> names = options.classNames().orElse(null);
      if (names == null) {
        if (ints) {
          // a label past the class limit is a bad row (reported below), not a reason to make that many classes
          int max = cells.stream().mapToInt(Integer::parseInt).filter(l -> l < DataOptions.MAX_CLASSES).max()
              .orElse(0);
          names = new ArrayList<>();
          for (int i = 0; i <= max; i++) {
            names.add(Integer.toString(i));
          }
        } else {
          names = new ArrayList<>(new TreeSet<>(cells));
        }
      }
      int[] rows = new int[kept.size()];
      int[] labels = new int[kept.size()];
      int n = 0;
      for (int i = 0; i < kept.size(); i++) {
        String cell = cells.get(i);
        int label = ints ? Integer.parseInt(cell) : names.indexOf(cell);
        if (label < 0 || label >= names.size()) {
          String why = !ints ? "not one of " + names
              : label >= DataOptions.MAX_CLASSES ? "above the largest class index Graft takes ("
                  + (DataOptions.MAX_CLASSES - 1) + "; integer labels are class indices 0..K-1)"
              : "outside 0.." + (names.size() - 1);
          DataException e = new DataException(table.at(kept.get(i)), "label '" + cell + "' is " + why
              + "; fix the label, or " + DataException.SKIP_HINT);
          if (!options.skipBad()) {
            throw e;
          }
          skipped.add(SkippedItem.of(e));
          continue;
        }
        rows[n] = i;
        labels[n++] = label;
      }
      return new Labels(Arrays.copyOf(rows, n), Arrays.copyOf(labels, n), names);
    }
  }

  @Override
  public void readFloats(int index, float[] dst, int offset) {
    System.arraycopy(features, index * width, dst, offset, width);
  }

  /** Feature columns are numbers to use as they are, not pixels. */
  @Override
  public boolean pixelValues() {
    return false;
  }
}
