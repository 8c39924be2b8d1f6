package dev.graft.export;

import com.google.protobuf.CodedOutputStream;
import com.google.protobuf.Message;
import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.io.UncheckedIOException;

/**
 * Serializes protos with map entries in key order. TensorFlow hands graphs over with attribute
 * maps in hash order, which changes from one process to the next; sorted, the same model gives
 * the same bytes.
 */
public final class DeterministicProto {

  private DeterministicProto() {}

  /** The message's bytes, map entries sorted by key. */
  public static byte[] toBytes(Message message) {
    ByteArrayOutputStream bytes = new ByteArrayOutputStream(message.getSerializedSize());
    CodedOutputStream out = CodedOutputStream.newInstance(bytes);
    out.useDeterministicSerialization();
    try {
      message.writeTo(out);
      out.flush();
    } catch (IOException e) {
      throw new UncheckedIOException("Serializing " + message.getDescriptorForType().getName() + " in memory failed", e);
    }
    return bytes.toByteArray();
  }
}
