package dev.graft.spark;

import dev.graft.error.DataException;
import dev.graft.extract.ImageInput;
import java.io.Serializable;
import java.util.Arrays;
import org.apache.hadoop.fs.Path;
import org.apache.spark.sql.Row;
import org.apache.spark.sql.types.BinaryType;
import org.apache.spark.sql.types.DataType;
import org.apache.spark.sql.types.StringType;
import org.apache.spark.sql.types.StructType;

/**
 * Where a row holds its image: encoded bytes ({@code binaryFile}'s {@code content}, decoded by Graft as a folder
 * read on one machine decodes it) or the {@code image} source's struct (pixels Spark decoded, BGR order), and
 * which file it came from.
 *
 * @param encoded whether the column holds encoded bytes (else an image struct)
 * @param index the image column's position
 * @param pathIndex the path column's position (encoded bytes only; -1 for structs, which carry their origin)
 */
record ImageColumn(boolean encoded, int index, int pathIndex) implements Serializable {

  private static final String[] STRUCT_FIELDS = {"origin", "height", "width", "nChannels", "mode", "data"};

  /**
   * Finds and checks the columns.
   *
   * @throws IllegalArgumentException naming the columns there are when one is missing or of the wrong type
   */
  static ImageColumn of(StructType schema, String inputCol, String pathCol) {
    String[] names = schema.fieldNames();
    if (!Arrays.asList(names).contains(inputCol)) {
      throw new IllegalArgumentException("The input has no column '" + inputCol + "'; its columns are "
          + Arrays.toString(names) + ". Read images with spark.read.format(\"binaryFile\") (column content) or "
          + "format(\"image\") (column image), or call setInputCol");
    }
    DataType type = schema.apply(inputCol).dataType();
    if (type instanceof BinaryType) {
      if (!Arrays.asList(names).contains(pathCol) || !(schema.apply(pathCol).dataType() instanceof StringType)) {
        throw new IllegalArgumentException("The input has no string column '" + pathCol + "' naming each image's "
            + "file; its columns are " + Arrays.toString(names) + ". binaryFile gives 'path'; or call setPathCol");
      }
      return new ImageColumn(true, schema.fieldIndex(inputCol), schema.fieldIndex(pathCol));
    }
    if (type instanceof StructType struct && Arrays.asList(struct.fieldNames()).containsAll(Arrays.asList(STRUCT_FIELDS))) {
      return new ImageColumn(false, schema.fieldIndex(inputCol), -1);
    }
    throw new IllegalArgumentException("Column '" + inputCol + "' is " + type.simpleString() + "; expected binary "
        + "(encoded JPEG/PNG bytes, as binaryFile's content) or the image source's struct with fields "
        + Arrays.toString(STRUCT_FIELDS));
  }

  /** The file the row's image came from, as messages name it: a local path for {@code file:} URIs. */
  String source(Row row) {
    String uri = encoded ? row.getString(pathIndex) : row.getStruct(index).getString(0);
    return displayPath(uri);
  }

  /** {@code file:/data/x.jpg} as {@code /data/x.jpg}; other URIs as they are. */
  static String displayPath(String uri) {
    if (uri == null) {
      return "<no path>";
    }
    Path path = new Path(uri);
    String scheme = path.toUri().getScheme();
    return scheme == null || scheme.equals("file") ? path.toUri().getPath() : uri;
  }

  /**
   * Writes the row's image as model input to {@code dst} at {@code offset}.
   *
   * @throws DataException naming the file when it is no readable image
   */
  void write(Row row, String source, ImageInput input, float[] dst, int offset) {
    if (row.isNullAt(index)) {
      throw new DataException(source, "has no image data (the column is null); replace it, or "
          + DataException.SKIP_HINT);
    }
    if (encoded) {
      input.decode((byte[]) row.get(index), source, dst, offset);
      return;
    }
    Row image = row.getStruct(index);
    int h = image.getInt(1);
    int w = image.getInt(2);
    int c = image.getInt(3);
    byte[] data = (byte[]) image.get(5);
    if (h <= 0 || w <= 0 || (c != 1 && c != 3 && c != 4) || data == null || data.length != h * w * c) {
      throw new DataException(source, "cannot decode the image (Spark's image source could not read it: "
          + h + "x" + w + "x" + c + ", " + (data == null ? 0 : data.length) + " bytes); the file is corrupt or not "
          + "a JPEG/PNG image; replace it, or " + DataException.SKIP_HINT);
    }
    int channels = c == 1 ? 1 : 3;
    float[] pixels = new float[h * w * channels];
    for (int p = 0, j = 0; p < h * w; p++) {
      int b = p * c;
      if (channels == 1) {
        pixels[j++] = data[b] & 0xFF;
      } else {
        // the image source stores BGR(A); Graft's models take RGB
        pixels[j++] = data[b + 2] & 0xFF;
        pixels[j++] = data[b + 1] & 0xFF;
        pixels[j++] = data[b] & 0xFF;
      }
    }
    input.write(pixels, h, w, channels, source, dst, offset);
  }
}
