package dev.graft.data.read;

import dev.graft.error.DataException;
import dev.graft.data.read.internal.CsvLines;
import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;

/** The rows of a CSV file with its header (if any) and the label column worked out. */
final class CsvTable {

  /** One data row and its 1-based line number. */
  record Row(int line, String[] cells) {}

  final Path file;
  final String[] header;
  final List<Row> rows;
  final int labelColumn;
  final int columns;

  private CsvTable(Path file, String[] header, List<Row> rows, int labelColumn, int columns) {
    this.file = file;
    this.header = header;
    this.rows = rows;
    this.labelColumn = labelColumn;
    this.columns = columns;
  }

  /** Reads {@code file}, detecting the header unless the options say. */
  static CsvTable read(Path file, DataOptions options) {
    List<String> lines;
    try {
      lines = Files.readAllLines(file, StandardCharsets.UTF_8);
    } catch (IOException e) {
      throw new DataException(file.toString(), "cannot read the CSV file (" + e + "); check that it exists, is readable"
          + " and is UTF-8 text", e);
    }
    char delimiter = file.getFileName().toString().toLowerCase().endsWith(".tsv") ? '\t' : ',';
    List<Row> rows = new ArrayList<>();
    for (int i = 0; i < lines.size(); i++) {
      String line = i == 0 && lines.get(0).startsWith("\uFEFF") ? lines.get(0).substring(1) : lines.get(i);
      if (line.isBlank()) {
        continue;
      }
      try {
        rows.add(new Row(i + 1, CsvLines.split(line, delimiter)));
      } catch (IllegalArgumentException e) {
        throw new DataException(file + ":" + (i + 1), e.getMessage() + "; fix the row");
      }
    }
    if (rows.isEmpty()) {
      throw new DataException(file.toString(), "has no rows; expected feature columns and a label column, or path,label rows");
    }
    boolean hasHeader = options.csvHeader().orElseGet(() -> detectHeader(file, rows));
    String[] header = hasHeader ? rows.remove(0).cells() : null;
    if (rows.isEmpty()) {
      throw new DataException(file.toString(), "has a header but no data rows");
    }
    int columns = header != null ? header.length : rows.get(0).cells().length;
    int label = labelColumn(file, header, columns, options.labelColumn().orElse(null));
    return new CsvTable(file, header, rows, label, columns);
  }

  private static boolean detectHeader(Path file, List<Row> rows) {
    if (rows.size() < 2) {
      return false;
    }
    String[] first = rows.get(0).cells();
    String[] second = rows.get(1).cells();
    if (CsvLines.countNumbers(first) < CsvLines.countNumbers(second)) {
      return true;
    }
    for (int c = 0; c < Math.min(first.length, second.length); c++) {
      if (!isFile(file, first[c]) && isFile(file, second[c])) {
        return true;
      }
    }
    return false;
  }

  private static int labelColumn(Path file, String[] header, int columns, String option) {
    if (option == null) {
      return columns - 1;
    }
    if (header != null) {
      int at = Arrays.asList(header).indexOf(option);
      if (at >= 0) {
        return at;
      }
    }
    try {
      int i = Integer.parseInt(option.strip());
      int at = i < 0 ? columns + i : i;
      if (at >= 0 && at < columns) {
        return at;
      }
    } catch (NumberFormatException e) {
      // reported below
    }
    throw new DataException(file.toString(), "has no label column '" + option + "'; its columns are "
        + (header != null ? Arrays.toString(header) : columns + " unnamed columns")
        + "; pass a header name or a 0-based index (negative counts from the end)");
  }

  /** Resolves a path cell against the CSV's folder. */
  Path resolve(String cell) {
    Path dir = file.toAbsolutePath().getParent();
    return dir.resolve(cell);
  }

  /** Whether {@code cell} names an existing file, relative to the CSV's folder. */
  static boolean isFile(Path csv, String cell) {
    if (cell.isEmpty() || CsvLines.isNumber(cell)) {
      return false;
    }
    try {
      return Files.isRegularFile(csv.toAbsolutePath().getParent().resolve(cell));
    } catch (RuntimeException e) {
      return false;
    }
  }

  /** The first column that is not the label column. */
  int firstFeatureColumn() {
    return labelColumn == 0 ? 1 : 0;
  }

  /** Name of column {@code c} for messages. */
  String columnName(int c) {
    return header != null && c < header.length ? "'" + header[c] + "' (" + c + ")" : "" + c;
  }

  /** Source string {@code file:line}. */
  String at(Row row) {
    return file + ":" + row.line();
  }
}
