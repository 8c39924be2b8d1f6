package dev.graft.bench;

import dev.graft.data.read.DataOptions;
import dev.graft.data.read.ImageFolderData;
import dev.graft.data.LabeledData;
import dev.graft.data.view.LabeledDatas;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.security.MessageDigest;
import java.security.NoSuchAlgorithmException;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.HexFormat;
import java.util.List;
import java.util.Locale;
import java.util.stream.Stream;

/**
 * The images of one split of a folder of class folders, listed as Graft and {@code keras_peer.py} both list them
 * (class folders by name, files by relative path), and the evenly spread subsets both sides take of them; a
 * fingerprint of the chosen files shows that both sides read the same images.
 *
 * @param folder the split's folder ({@code .../chest-xray-224/train})
 * @param files image paths relative to {@code folder}
 * @param labels class index of each file
 */
record XrayImages(Path folder, List<String> files, int[] labels) {

  /** The X-ray data set under {@code ../shared} (README of the data set: train/ and val/, two classes). */
  static final Path DEFAULT_ROOT = Path.of("..", "shared", "datasets", "chest-xray-224");

  /** Lists {@code folder}'s images. */
  static XrayImages list(Path folder) {
    List<String> files = new ArrayList<>();
    List<Integer> labels = new ArrayList<>();
    try (Stream<Path> dirs = Files.list(folder)) {
      List<Path> classes = dirs.filter(Files::isDirectory).filter(p -> !p.getFileName().toString().startsWith("."))
          .sorted((a, b) -> a.getFileName().toString().compareTo(b.getFileName().toString())).toList();
      for (int label = 0; label < classes.size(); label++) {
        try (Stream<Path> walk = Files.walk(classes.get(label))) {
          List<String> found = walk.filter(Files::isRegularFile).filter(XrayImages::isImage)
              .map(p -> folder.relativize(p).toString()).sorted().toList();
          files.addAll(found);
          for (int i = 0; i < found.size(); i++) {
            labels.add(label);
          }
        }
      }
    } catch (IOException e) {
      throw new UncheckedIOException("Cannot list the images under " + folder, e);
    }
    return new XrayImages(folder, files, labels.stream().mapToInt(Integer::intValue).toArray());
  }

  private static boolean isImage(Path p) {
    String name = p.getFileName().toString();
    String lower = name.toLowerCase(Locale.ROOT);
    return !name.startsWith(".") && ImageFolderData.EXTENSIONS.stream().anyMatch(e -> lower.endsWith("." + e));
  }

  /** Indices of {@code n} images spread evenly over the list ({@code i * size / n}); every image for 0 or more. */
  int[] subsetIndices(int n) {
    int size = files.size();
    if (n <= 0 || n >= size) {
      int[] all = new int[size];
      Arrays.setAll(all, i -> i);
      return all;
    }
    int[] idx = new int[n];
    for (int i = 0; i < n; i++) {
      idx[i] = (int) ((long) i * size / n);
    }
    return idx;
  }

  /** The first 12 hex digits of SHA-256 over the chosen files' relative paths, one a line (as the peer). */
  String fingerprint(int[] indices) {
    StringBuilder joined = new StringBuilder();
    for (int i = 0; i < indices.length; i++) {
      joined.append(i == 0 ? "" : "\n").append(files.get(indices[i]));
    }
    try {
      byte[] hash = MessageDigest.getInstance("SHA-256").digest(joined.toString().getBytes(StandardCharsets.UTF_8));
      return HexFormat.of().formatHex(hash).substring(0, 12);
    } catch (NoSuchAlgorithmException e) {
      throw new IllegalStateException("No SHA-256 in this JVM", e);
    }
  }

  /**
   * The images at {@code indices} as Graft reads the folder; fails unless Graft lists the same images in the same
   * order (same count and labels).
   */
  LabeledData open(int[] indices) {
    LabeledData all = ImageFolderData.open(folder, DataOptions.builder().build());
    if (all.size() != files.size() || !Arrays.equals(LabeledDatas.labels(all), labels)) {
      throw new IllegalStateException("Graft lists " + all.size() + " images under " + folder + ", the benchmark "
          + files.size() + " (or in another class order); both sides must read the same images");
    }
    return LabeledDatas.subset(all, indices);
  }
}
