package dev.graft.cli;

import dev.graft.data.read.internal.IdxFiles;
import dev.graft.data.read.internal.TfRecords;
import java.awt.image.BufferedImage;
import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.ByteBuffer;
import java.nio.file.Files;
import java.nio.file.Path;
import java.security.MessageDigest;
import java.util.ArrayList;
import java.util.HexFormat;
import java.util.List;
import java.util.Random;
import java.util.TreeMap;
import java.util.stream.Stream;
import java.util.zip.CRC32;
import javax.imageio.ImageIO;
import org.tensorflow.proto.BytesList;
import org.tensorflow.proto.Example;
import org.tensorflow.proto.Feature;
import org.tensorflow.proto.Features;
import org.tensorflow.proto.Int64List;

/** Small data files for command-line tests, good and hostile, and a fingerprint of a folder to prove it untouched. */
final class HostileFiles {

  private HostileFiles() {}

  /**
   * Writes an IDX pair of {@code labels.length} gray {@code h x w} images whose brightness follows the label (so a
   * head learns them quickly) and returns its data spec.
   */
  static String idx(Path dir, int h, int w, int[] labels) {
    Random random = new Random(7);
    byte[] pixels = new byte[labels.length * h * w];
    for (int i = 0; i < labels.length; i++) {
      for (int p = 0; p < h * w; p++) {
        int base = (labels[i] % 5) * 50;
        pixels[i * h * w + p] = (byte) Math.min(255, base + random.nextInt(40));
      }
    }
    byte[] labelBytes = new byte[labels.length];
    for (int i = 0; i < labels.length; i++) {
      labelBytes[i] = (byte) labels[i];
    }
    try {
      Files.createDirectories(dir);
      IdxFiles.write(dir.resolve("images.idx"), new int[] {labels.length, h, w}, pixels);
      IdxFiles.write(dir.resolve("labels.idx"), new int[] {labels.length}, labelBytes);
    } catch (IOException e) {
      throw new UncheckedIOException(e);
    }
    return "idx:" + dir.resolve("images.idx") + "," + dir.resolve("labels.idx");
  }

  /** Labels 0..classes-1, {@code each} of each. */
  static int[] labels(int classes, int each) {
    int[] labels = new int[classes * each];
    for (int i = 0; i < labels.length; i++) {
      labels[i] = i % classes;
    }
    return labels;
  }

  /** A gray PNG image, its brightness {@code value} give or take noise. */
  static byte[] png(int h, int w, int value, long seed) {
    Random random = new Random(seed);
    BufferedImage image = new BufferedImage(w, h, BufferedImage.TYPE_BYTE_GRAY);
    for (int y = 0; y < h; y++) {
      for (int x = 0; x < w; x++) {
        image.getRaster().setSample(x, y, 0, Math.max(0, Math.min(255, value + random.nextInt(30) - 15)));
      }
    }
    ByteArrayOutputStream out = new ByteArrayOutputStream();
    try {
      ImageIO.write(image, "png", out);
    } catch (IOException e) {
      throw new UncheckedIOException(e);
    }
    return out.toByteArray();
  }

  /** A folder of class folders of 28x28 PNGs, {@code each} per class, and returns it. */
  static Path imageFolder(Path dir, List<String> classes, int each) throws IOException {
    for (int c = 0; c < classes.size(); c++) {
      Path folder = Files.createDirectories(dir.resolve(classes.get(c)));
      for (int i = 0; i < each; i++) {
        Files.write(folder.resolve(i + ".png"), png(28, 28, 40 + 170 * c / Math.max(1, classes.size() - 1), c * 100L + i));
      }
    }
    return dir;
  }

  /** Copies the folder {@code from} with everything below it to {@code to}; returns {@code to}. */
  static Path copyTree(Path from, Path to) throws IOException {
    try (Stream<Path> walk = Files.walk(from)) {
      for (Path p : walk.toList()) {
        Path target = to.resolve(from.relativize(p).toString());
        if (Files.isDirectory(p)) {
          Files.createDirectories(target);
        } else {
          Files.copy(p, target);
        }
      }
    }
    return to;
  }

  /**
   * A PNG of a few hundred bytes whose header claims {@code width x height} pixels: a signature, an IHDR chunk and an
   * IEND chunk, checksums right.
   */
  static byte[] pngClaiming(int width, int height) {
    ByteArrayOutputStream out = new ByteArrayOutputStream();
    out.writeBytes(new byte[] {(byte) 0x89, 'P', 'N', 'G', '\r', '\n', 0x1a, '\n'});
    ByteBuffer ihdr = ByteBuffer.allocate(13).putInt(width).putInt(height).put((byte) 8).put((byte) 0).put((byte) 0)
        .put((byte) 0).put((byte) 0);
    chunk(out, "IHDR", ihdr.array());
    chunk(out, "IEND", new byte[0]);
    return out.toByteArray();
  }

  private static void chunk(ByteArrayOutputStream out, String type, byte[] data) {
    out.writeBytes(ByteBuffer.allocate(4).putInt(data.length).array());
    byte[] typeBytes = type.getBytes(java.nio.charset.StandardCharsets.US_ASCII);
    out.writeBytes(typeBytes);
    out.writeBytes(data);
    CRC32 crc = new CRC32();
    crc.update(typeBytes);
    crc.update(data);
    out.writeBytes(ByteBuffer.allocate(4).putInt((int) crc.getValue()).array());
  }

  /** A TFRecord file of tf.Examples with {@code image/encoded} and {@code image/class/label}. */
  static Path tfrecord(Path file, List<byte[]> images, long[] labels) throws IOException {
    List<byte[]> records = new ArrayList<>();
    for (int i = 0; i < images.size(); i++) {
      Features features = Features.newBuilder()
          .putFeature("image/encoded", Feature.newBuilder().setBytesList(BytesList.newBuilder()
              .addValue(com.google.protobuf.ByteString.copyFrom(images.get(i)))).build())
          .putFeature("image/class/label", Feature.newBuilder().setInt64List(Int64List.newBuilder()
              .addValue(labels[i])).build())
          .build();
      records.add(Example.newBuilder().setFeatures(features).build().toByteArray());
    }
    TfRecords.write(file, records);
    return file;
  }

  /** Every file under {@code dir} (or the file itself) with the SHA-256 of its bytes, to prove nothing changed. */
  static TreeMap<String, String> fingerprint(Path dir) throws IOException {
    TreeMap<String, String> files = new TreeMap<>();
    if (Files.isRegularFile(dir)) {
      files.put(dir.getFileName().toString(), sha256(Files.readAllBytes(dir)));
      return files;
    }
    try (Stream<Path> walk = Files.walk(dir)) {
      for (Path p : walk.toList()) {
        files.put(dir.relativize(p).toString(), Files.isRegularFile(p) ? sha256(Files.readAllBytes(p)) : "dir");
      }
    }
    return files;
  }

  private static String sha256(byte[] bytes) {
    try {
      return HexFormat.of().formatHex(MessageDigest.getInstance("SHA-256").digest(bytes));
    } catch (java.security.NoSuchAlgorithmException e) {
      throw new IllegalStateException(e);
    }
  }

  /** The names in {@code dir}, sorted (hidden ones included). */
  static List<String> list(Path dir) throws IOException {
    try (Stream<Path> s = Files.list(dir)) {
      return s.map(p -> p.getFileName().toString()).sorted().toList();
    }
  }
}
