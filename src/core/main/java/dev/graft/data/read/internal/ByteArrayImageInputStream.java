package dev.graft.data.read.internal;

import javax.imageio.stream.ImageInputStreamImpl;

/** An image input stream over a byte array, without the copy a memory cache would make. */
final class ByteArrayImageInputStream extends ImageInputStreamImpl {

  private final byte[] data;
  private final int length;

  ByteArrayImageInputStream(byte[] data) {
    this(data, data.length);
  }

  /** A stream over the first {@code length} bytes of {@code data}. */
  ByteArrayImageInputStream(byte[] data, int length) {
    this.data = data;
    this.length = length;
  }

  @Override
  public int read() {
    bitOffset = 0;
    return streamPos < length ? data[(int) streamPos++] & 0xFF : -1;
  }

  @Override
  public int read(byte[] b, int off, int len) {
    bitOffset = 0;
    if (streamPos >= length) {
      return len == 0 ? 0 : -1;
    }
    int n = (int) Math.min(len, length - streamPos);
    System.arraycopy(data, (int) streamPos, b, off, n);
    streamPos += n;
    return n;
  }

  @Override
  public long length() {
    return length;
  }
}
