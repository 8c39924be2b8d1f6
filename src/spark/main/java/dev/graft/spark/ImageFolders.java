package dev.graft.spark;

import dev.graft.error.DataException;
import java.io.IOException;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.Comparator;
import java.util.List;
import java.util.Locale;
import java.util.regex.Pattern;
import org.apache.hadoop.fs.FileStatus;
import org.apache.hadoop.fs.FileSystem;
import org.apache.hadoop.fs.LocatedFileStatus;
import org.apache.hadoop.fs.Path;
import org.apache.hadoop.fs.RemoteIterator;
import org.apache.spark.sql.Column;
import org.apache.spark.sql.Dataset;
import org.apache.spark.sql.Row;
import org.apache.spark.sql.SparkSession;
import org.apache.spark.sql.functions;

/**
 * A folder of class folders of images on any file system Spark reads ({@code DIR/<class>/**.jpg|png}), as Graft
 * reads one on a single machine: classes are the folder names, sorted; label {@code i} is the i-th.
 *
 * @param root the folder, fully qualified ({@code file:/data/xrays}, {@code hdfs://nn/data/xrays})
 * @param classNames the class folders' names, sorted
 */
public record ImageFolders(String root, List<String> classNames) {

  /** The {@code pathGlobFilter} of the files read as images: Graft's extensions, in any case. */
  public static final String GLOB = "*.{" + glob("jpg") + "," + glob("jpeg") + "," + glob("png") + "}";

  private static String glob(String extension) {
    StringBuilder sb = new StringBuilder();
    for (char c : extension.toCharArray()) {
      sb.append('[').append(c).append(Character.toUpperCase(c)).append(']');
    }
    return sb.toString();
  }

  /**
   * Lists the class folders of {@code dir}.
   *
   * @throws DataException when it is no folder, has no class folders, or a class folder has no image (unless
   *     {@code skipBad}, which leaves such a folder out as a single machine does)
   */
  public static ImageFolders list(SparkSession spark, String dir, boolean skipBad) {
    Path path = new Path(dir);
    try {
      FileSystem fs = path.getFileSystem(spark.sparkContext().hadoopConfiguration());
      Path root = fs.makeQualified(path);
      if (!fs.exists(root) || !fs.getFileStatus(root).isDirectory()) {
        throw new DataException(dir, (fs.exists(root) ? "is a file, not a folder" : "does not exist")
            + "; expected a folder of class folders of images, DIR/<class>/<image>.jpg|png");
      }
      List<FileStatus> folders = new ArrayList<>(Arrays.stream(fs.listStatus(root)).filter(FileStatus::isDirectory)
          .filter(s -> !s.getPath().getName().startsWith(".") && !s.getPath().getName().startsWith("_")).toList());
      folders.sort(Comparator.comparing(s -> s.getPath().getName()));
      if (folders.isEmpty()) {
        throw new DataException(dir, "has no class folders; expected DIR/<class>/<image>.jpg|png, one folder per "
            + "class");
      }
      List<String> classes = new ArrayList<>();
      for (FileStatus folder : folders) {
        if (hasImage(fs, folder.getPath())) {
          classes.add(folder.getPath().getName());
        } else if (!skipBad) {
          throw new DataException(ImageColumn.displayPath(folder.getPath().toString()), "class folder has no .jpg, "
              + ".jpeg or .png files; add images, remove the folder, or " + DataException.SKIP_HINT);
        }
      }
      if (classes.isEmpty()) {
        throw new DataException(dir, "has no images in its class folders; expected DIR/<class>/<image>.jpg|png");
      }
      return new ImageFolders(root.toString(), List.copyOf(classes));
    } catch (IOException e) {
      throw new DataException(dir, "cannot list the folder (" + e.getMessage() + "); check the path and its "
          + "permissions", e);
    }
  }

  private static boolean hasImage(FileSystem fs, Path folder) throws IOException {
    RemoteIterator<LocatedFileStatus> files = fs.listFiles(folder, true);
    while (files.hasNext()) {
      String name = files.next().getPath().getName();
      int dot = name.lastIndexOf('.');
      if (!name.startsWith(".") && !name.startsWith("_") && dot > 0
          && List.of("jpg", "jpeg", "png").contains(name.substring(dot + 1).toLowerCase(Locale.ROOT))) {
        return true;
      }
    }
    return false;
  }

  /**
   * The images as {@code binaryFile} rows with their class: columns {@code path}, {@code modificationTime},
   * {@code length}, {@code content}, {@code class} (the folder's name) and {@code label} (its index); files outside
   * the class folders are left out.
   */
  public Dataset<Row> read(SparkSession spark) {
    Dataset<Row> files = spark.read().format("binaryFile").option("recursiveFileLookup", "true")
        .option("pathGlobFilter", GLOB).load(root);
    Column folder = functions.regexp_extract(functions.col("path"), "^" + Pattern.quote(root) + "/([^/]+)/", 1);
    Column[] names = classNames.stream().map(functions::lit).toArray(Column[]::new);
    Column label = functions.array_position(functions.array(names), folder).minus(1).cast("int");
    return files.withColumn("class", folder).withColumn("label", label)
        .filter(functions.col("label").geq(0));
  }
}
