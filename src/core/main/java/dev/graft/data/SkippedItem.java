package dev.graft.data;

/**
 * One item left out because it was bad and skipping was asked for.
 *
 * @param source the file (with {@code :line} for CSV rows, {@code #record} for TFRecords)
 * @param reason what was wrong with it
 */
public record SkippedItem(String source, String reason) {

  @Override
  public String toString() {
    return source + ": " + reason;
  }
}
