package dev.graft.data.read.internal;

import dev.graft.error.DataException;
import java.io.BufferedInputStream;
import java.io.DataInputStream;
import java.io.EOFException;
import java.io.IOException;
import java.io.InputStream;
import java.io.OutputStream;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Arrays;
import java.util.zip.GZIPInputStream;
import java.util.zip.GZIPOutputStream;

/** Reads and writes IDX files of unsigned bytes (the MNIST format), plain or gzipped. */
public final class IdxFiles {

  /** IDX type code of unsigned bytes. */
  public static final int UBYTE = 0x08;

  /** An opener of the raw (possibly gzipped) bytes of a file or resource. */
  @FunctionalInterface
  public interface Opener {
    /** Opens a new stream from the start. */
    InputStream open() throws IOException;
  }

  /**
   * The contents of an IDX file.
   *
   * @param dims the dimensions from the header, first one the item count
   * @param data the values, row-major
   */
  public record IdxArray(int[] dims, byte[] data) {}

  private IdxFiles() {}

  /** Reads an IDX file; gzip is detected from its first bytes. */
  public static IdxArray read(Path file) {
    return read(file.toString(), () -> Files.newInputStream(file));
  }

  /** Reads IDX bytes from {@code opener}; {@code name} names them in errors. */
  public static IdxArray read(String name, Opener opener) {
    try (InputStream raw = new BufferedInputStream(opener.open(), 1 << 16)) {
      raw.mark(2);
      int b0 = raw.read();
      int b1 = raw.read();
      raw.reset();
      boolean gz = b0 == 0x1f && b1 == 0x8b;
      InputStream in = gz ? new BufferedInputStream(new GZIPInputStream(raw, 1 << 16), 1 << 16) : raw;
      return readIdx(name, new DataInputStream(in));
    } catch (EOFException e) {
      throw new DataException(name, "ends inside the IDX header; the file is truncated or not an IDX file");
    } catch (IOException e) {
      throw new DataException(name, "cannot read the file (" + e.getMessage() + "); check that it exists, is readable and"
          + " is not a damaged gzip file", e);
    }
  }

  private static IdxArray readIdx(String name, DataInputStream in) throws IOException {
    int magic = in.readInt();
    int type = (magic >>> 8) & 0xFF;
    int rank = magic & 0xFF;
    if ((magic >>> 16) != 0 || rank == 0) {
      throw new DataException(name, String.format("has magic number 0x%08x, expected 0x000008NN (an IDX file of"
          + " unsigned bytes with NN dimensions); check that this is an MNIST-style IDX file", magic));
    }
    if (type != UBYTE) {
      throw new DataException(name, String.format("holds IDX type 0x%02x, expected 0x08 (unsigned bytes); only"
          + " byte-valued IDX files are supported", type));
    }
    int[] dims = new int[rank];
    long total = 1;
    for (int i = 0; i < rank; i++) {
      dims[i] = in.readInt();
      if (dims[i] < 0) {
        throw new DataException(name, "has a negative dimension " + dims[i] + " in its header; the file is damaged");
      }
      total *= dims[i];
    }
    if (total > Integer.MAX_VALUE - 16) {
      throw new DataException(name, "header says " + Arrays.toString(dims) + " (" + total
          + " bytes), more than one array holds; split the file");
    }
    // Read what is there rather than allocating what the header claims: a damaged header may claim gigabytes.
    byte[] data = in.readNBytes((int) total);
    int got = data.length;
    if (got < total) {
      throw new DataException(name, "header says " + Arrays.toString(dims) + " (" + total + " data bytes) but the file"
          + " holds only " + got + "; the file is truncated or does not match its header, download it again");
    }
    long extra = 0;
    while (in.read() >= 0) {
      extra++;
      if (extra > 1 << 20) {
        break;
      }
    }
    if (extra > 0) {
      throw new DataException(name, "header says " + Arrays.toString(dims) + " (" + total + " data bytes) but the file"
          + " holds " + (extra > 1 << 20 ? "over 1 MiB" : extra + " bytes") + " more; the header does not match the data");
    }
    return new IdxArray(dims, data);
  }

  /** Writes an unsigned-byte IDX file, gzipped when the name ends in {@code .gz}. */
  public static void write(Path file, int[] dims, byte[] data) throws IOException {
    try (OutputStream out = Files.newOutputStream(file)) {
      if (file.getFileName().toString().endsWith(".gz")) {
        try (GZIPOutputStream gz = new GZIPOutputStream(out, 1 << 16) {
          {
            def.setLevel(9);
          }
        }) {
          write(gz, dims, data);
        }
      } else {
        write(out, dims, data);
      }
    }
  }

  /** Writes an unsigned-byte IDX header and data to {@code out}. */
  public static void write(OutputStream out, int[] dims, byte[] data) throws IOException {
    long total = 1;
    for (int d : dims) {
      total *= d;
    }
    if (total != data.length) {
      throw new IllegalArgumentException("Dimensions " + Arrays.toString(dims) + " need " + total + " bytes, got "
          + data.length);
    }
    byte[] header = new byte[4 + 4 * dims.length];
    header[2] = UBYTE;
    header[3] = (byte) dims.length;
    for (int i = 0; i < dims.length; i++) {
      int d = dims[i];
      header[4 + 4 * i] = (byte) (d >>> 24);
      header[5 + 4 * i] = (byte) (d >>> 16);
      header[6 + 4 * i] = (byte) (d >>> 8);
      header[7 + 4 * i] = (byte) d;
    }
    out.write(header);
    out.write(data);
  }
}
