package dev.graft.data;

import dev.graft.error.DataException;

/**
 * One item left out because it was bad and skipping was asked for.
 *
 * @param source the file (with {@code :line} for CSV rows, {@code #record} for TFRecords)
 * @param reason what was wrong with it
 */
public record SkippedItem(String source, String reason) {

  /** The item a data error was about, with its reason. */
  public static SkippedItem of(DataException e) {
    return new SkippedItem(e.source(), e.reason());
  }


  @Override
  public String toString() {
    return source + ": " + reason;
  }
}
