package dev.graft.data.read.internal;

import dev.graft.error.DataException;
import java.io.BufferedInputStream;
import java.io.BufferedOutputStream;
import java.io.EOFException;
import java.io.IOException;
import java.io.InputStream;
import java.io.OutputStream;
import java.nio.ByteBuffer;
import java.nio.ByteOrder;
import java.nio.channels.FileChannel;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardOpenOption;
import java.util.zip.CRC32C;

/**
 * The TFRecord framing: {@code uint64 length, uint32 masked_crc32c(length), data, uint32 masked_crc32c(data)},
 * little-endian.
 */
public final class TfRecords {

  private static final int MASK_DELTA = 0xa282ead8;

  private TfRecords() {}

  /** The masked CRC-32C TFRecord stores for {@code len} bytes of {@code b} from {@code off}. */
  public static int maskedCrc(byte[] b, int off, int len) {
    CRC32C crc = new CRC32C();
    crc.update(b, off, len);
    int c = (int) crc.getValue();
    return ((c >>> 15) | (c << 17)) + MASK_DELTA;
  }

  /** Writes {@code data} as one framed record. */
  public static void write(OutputStream out, byte[] data) throws IOException {
    ByteBuffer head = ByteBuffer.allocate(12).order(ByteOrder.LITTLE_ENDIAN);
    head.putLong(data.length);
    head.putInt(maskedCrc(head.array(), 0, 8));
    out.write(head.array());
    out.write(data);
    ByteBuffer tail = ByteBuffer.allocate(4).order(ByteOrder.LITTLE_ENDIAN);
    tail.putInt(maskedCrc(data, 0, data.length));
    out.write(tail.array());
  }

  /** Writes a TFRecord file of {@code records}. */
  public static void write(Path file, Iterable<byte[]> records) throws IOException {
    try (OutputStream out = new BufferedOutputStream(Files.newOutputStream(file))) {
      for (byte[] r : records) {
        write(out, r);
      }
    }
  }

  /**
   * One record found by a {@link Scanner}.
   *
   * @param offset byte offset of the record's data in the file
   * @param crcOk whether the data checksum matched
   */
  public record Record(int number, long offset, byte[] data, boolean crcOk) {}

  /** Reads the records of one file in order. */
  public static final class Scanner implements AutoCloseable {
    private final Path file;
    private final InputStream in;
    private final long fileSize;
    private long position;
    private int number;

    /** Opens {@code file}. */
    public Scanner(Path file) {
      this.file = file;
      try {
        this.in = new BufferedInputStream(Files.newInputStream(file), 1 << 16);
        this.fileSize = Files.size(file);
      } catch (IOException e) {
        throw new DataException(file.toString(), "cannot open the TFRecord file (" + e + "); check that it exists and is"
            + " readable", e);
      }
    }

    /**
     * The next record, or null at the end of the file.
     *
     * @throws DataException if the framing is broken (bad length checksum, truncated file); the rest of the file is
     *     then unreadable
     */
    public Record next() {
      long start = position;
      byte[] head = new byte[12];
      try {
        int got = in.readNBytes(head, 0, 12);
        if (got == 0) {
          return null;
        }
        if (got < 12) {
          throw new EOFException();
        }
        ByteBuffer bb = ByteBuffer.wrap(head).order(ByteOrder.LITTLE_ENDIAN);
        long length = bb.getLong();
        if (bb.getInt() != maskedCrc(head, 0, 8)) {
          boolean gzip = start == 0 && (head[0] & 0xFF) == 0x1f && (head[1] & 0xFF) == 0x8b;
          throw new DataException(where(start), gzip
              ? "the file is GZIP-compressed; decompress it first (gunzip), only uncompressed TFRecords are read"
              : "length checksum mismatch; the file is corrupt or not a TFRecord file (compressed TFRecords must be"
                  + " decompressed first)");
        }
        if (length < 0 || length > Integer.MAX_VALUE - 16 || length > fileSize - start - 16) {
          throw new DataException(where(start), "record length " + length + " reaches past the end of the file ("
              + fileSize + " bytes); the file is truncated or corrupt, copy it again");
        }
        byte[] data = new byte[(int) length];
        byte[] tail = new byte[4];
        if (in.readNBytes(data, 0, data.length) < data.length || in.readNBytes(tail, 0, 4) < 4) {
          throw new EOFException();
        }
        int crc = ByteBuffer.wrap(tail).order(ByteOrder.LITTLE_ENDIAN).getInt();
        position += 16 + length;
        return new Record(number++, start + 12, data, crc == maskedCrc(data, 0, data.length));
      } catch (EOFException e) {
        throw new DataException(where(start), "the file ends inside this record; it is truncated, copy it again");
      } catch (IOException e) {
        throw new DataException(where(start), "cannot read the file (" + e + ")", e);
      }
    }

    private String where(long offset) {
      return file + " record " + number + " (byte " + offset + ")";
    }

    @Override
    public void close() {
      try {
        in.close();
      } catch (IOException e) {
        // nothing was written; closing a read stream cannot lose data
      }
    }
  }

  /**
   * Reads the {@code length} data bytes at {@code offset} of {@code file} and checks them against the checksum after
   * them; {@code source} names the record in errors.
   */
  public static byte[] readAt(Path file, long offset, int length, String source) {
    ByteBuffer buf = ByteBuffer.allocate(length + 4).order(ByteOrder.LITTLE_ENDIAN);
    try (FileChannel ch = FileChannel.open(file, StandardOpenOption.READ)) {
      long pos = offset;
      while (buf.hasRemaining()) {
        int n = ch.read(buf, pos);
        if (n < 0) {
          throw new DataException(source, "the file ends inside this record; it changed since it was opened");
        }
        pos += n;
      }
    } catch (IOException e) {
      throw new DataException(source, "cannot read the record (" + e + ")", e);
    }
    byte[] data = new byte[length];
    buf.flip();
    buf.get(data);
    if (buf.getInt() != maskedCrc(data, 0, length)) {
      throw new DataException(source, "data checksum mismatch; the file changed or is corrupt, or "
          + DataException.SKIP_HINT);
    }
    return data;
  }
}
