package dev.graft.data.read.internal;

import java.util.ArrayList;
import java.util.List;

/** Splits CSV lines: delimiter-separated cells, double quotes around cells, {@code ""} for a quote inside. */
public final class CsvLines {

  private CsvLines() {}

  /**
   * Splits one line into cells (stripped of surrounding blanks).
   *
   * @throws IllegalArgumentException if a quoted cell is not closed
   */
  public static String[] split(String line, char delimiter) {
    List<String> cells = new ArrayList<>();
    StringBuilder cell = new StringBuilder();
    boolean quoted = false;
    boolean wasQuoted = false;
    for (int i = 0; i < line.length(); i++) {
      char ch = line.charAt(i);
      if (quoted) {
        if (ch == '"') {
          if (i + 1 < line.length() && line.charAt(i + 1) == '"') {
            cell.append('"');
            i++;
          } else {
            quoted = false;
          }
        } else {
          cell.append(ch);
        }
      } else if (ch == '"' && cell.toString().isBlank()) {
        quoted = true;
        wasQuoted = true;
        cell.setLength(0);
      } else if (ch == delimiter) {
        cells.add(wasQuoted ? cell.toString() : cell.toString().strip());
        cell.setLength(0);
        wasQuoted = false;
      } else {
        cell.append(ch);
      }
    }
    if (quoted) {
      throw new IllegalArgumentException("a quoted cell is not closed (cells may not span lines)");
    }
    cells.add(wasQuoted ? cell.toString() : cell.toString().strip());
    return cells.toArray(String[]::new);
  }

  /** Whether {@code cell} parses as a finite number. */
  public static boolean isNumber(String cell) {
    try {
      return Double.isFinite(Double.parseDouble(cell));
    } catch (NumberFormatException e) {
      return false;
    }
  }

  /** Number of cells of {@code row} that are numbers. */
  public static int countNumbers(String[] row) {
    int n = 0;
    for (String c : row) {
      if (isNumber(c)) {
        n++;
      }
    }
    return n;
  }
}
