package dev.graft.data.read;

import dev.graft.data.spec.DataSources;
import dev.graft.data.ExampleKind;
import dev.graft.data.LabeledData;
import dev.graft.data.TestData;
import dev.graft.error.DataException;
import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.graft.data.read.internal.TfRecords;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Random;
import java.util.zip.CRC32C;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.tensorflow.proto.Example;

class TfRecordDataTest {

  @TempDir
  Path dir;

  private final Random rng = new Random(5);
  private final List<float[]> images = new ArrayList<>();

  /** Writes {@code n} 3x4 RGB PNG examples with labels i % 2 and texts "even"/"odd". */
  private Path write(String name, int n) throws Exception {
    List<byte[]> records = new ArrayList<>();
    for (int i = 0; i < n; i++) {
      float[] p = TestData.pixels(rng, 3 * 4 * 3);
      images.add(p);
      records.add(TestData.example(TestData.encode(p, 3, 4, 3, "png"), i % 2, i % 2 == 0 ? "even" : "odd")
          .toByteArray());
    }
    Path file = dir.resolve(name);
    TfRecords.write(file, records);
    return file;
  }

  @Test
  void crcIsCastagnoliMaskedAsTensorFlowDoes() {
    CRC32C crc = new CRC32C();
    crc.update("123456789".getBytes(StandardCharsets.US_ASCII));
    assertEquals(0xE3069283L, crc.getValue());
    int c = 0xE3069283;
    int masked = ((c >>> 15) | (c << 17)) + 0xa282ead8;
    assertEquals(masked, TfRecords.maskedCrc("123456789".getBytes(StandardCharsets.US_ASCII), 0, 9));
  }

  @Test
  void readsImagesLabelsAndClassTexts() throws Exception {
    Path f = write("a.tfrecord", 3);
    LabeledData data = TfRecordData.open(List.of(f), DataOptions.defaults());
    assertEquals(3, data.size());
    assertEquals(ExampleKind.FLOAT, data.kind());
    assertArrayEquals(new long[] {3, 4, 3}, data.exampleShape());
    assertEquals(List.of("even", "odd"), data.classNames());
    assertEquals(1, data.label(1));
    assertArrayEquals(images.get(2), TestData.read(data, 2));
  }

  @Test
  void severalFilesAndGlobsThroughSpec() throws Exception {
    write("part-0.tfrecord", 2);
    write("part-1.tfrecord", 3);
    LabeledData data = DataSources.open("tfrecord:" + dir.resolve("part-*.tfrecord"), DataOptions.defaults());
    assertEquals(5, data.size());
    assertArrayEquals(images.get(3), TestData.read(data, 3));
  }

  @Test
  void corruptDataFailsWithRecordOrIsSkipped() throws Exception {
    Path f = write("c.tfrecord", 3);
    byte[] bytes = Files.readAllBytes(f);
    long first = 16 + java.nio.ByteBuffer.wrap(bytes).order(java.nio.ByteOrder.LITTLE_ENDIAN).getLong(0);
    bytes[(int) first + 12 + 20] ^= 0x55;
    Files.write(f, bytes);
    DataException e = assertThrows(DataException.class, () -> TfRecordData.open(List.of(f), DataOptions.defaults()));
    assertTrue(e.getMessage().startsWith(f + " record 1 (byte " + first + "): data checksum mismatch"), e.getMessage());
    LabeledData data = TfRecordData.open(List.of(f), DataOptions.builder().optSkipBad(true).build());
    assertEquals(2, data.size());
    assertEquals(1, data.skipped());
    assertArrayEquals(images.get(2), TestData.read(data, 1));
  }

  @Test
  void brokenLengthSkipsRestOfFile() throws Exception {
    Path f = write("l.tfrecord", 3);
    byte[] bytes = Files.readAllBytes(f);
    bytes[0] ^= 1;
    Files.write(f, bytes);
    DataException e = assertThrows(DataException.class, () -> TfRecordData.open(List.of(f), DataOptions.defaults()));
    assertTrue(e.getMessage().startsWith(f + " record 0 (byte 0): length checksum mismatch"), e.getMessage());
    Path good = write("g.tfrecord", 2);
    LabeledData data = TfRecordData.open(List.of(f, good), DataOptions.builder().optSkipBad(true).build());
    assertEquals(2, data.size());
    assertTrue(data.skippedItems().get(0).reason().contains("rest of the file skipped"));
  }

  @Test
  void truncatedAndGzippedFilesAreExplained() throws Exception {
    Path f = write("t.tfrecord", 2);
    byte[] bytes = Files.readAllBytes(f);
    Files.write(f, java.util.Arrays.copyOf(bytes, bytes.length - 5));
    DataException e = assertThrows(DataException.class, () -> TfRecordData.open(List.of(f), DataOptions.defaults()));
    assertTrue(e.getMessage().contains("record 1") && e.getMessage().contains("truncated"), e.getMessage());
    Path gz = Files.write(dir.resolve("z.tfrecord"), TestData.gzip(bytes));
    DataException z = assertThrows(DataException.class, () -> TfRecordData.open(List.of(gz), DataOptions.defaults()));
    assertTrue(z.getMessage().contains("GZIP-compressed; decompress it first"), z.getMessage());
  }

  @Test
  void missingKeyListsTheKeysFound() throws Exception {
    Path f = write("k.tfrecord", 1);
    DataException e = assertThrows(DataException.class,
        () -> TfRecordData.open(List.of(f), DataOptions.builder().optLabelKey("label").build()));
    assertTrue(e.getMessage().contains("has no int64 feature 'label'; its features are"), e.getMessage());
    assertTrue(e.getMessage().contains("image/class/label"), e.getMessage());
  }

  @Test
  void customKeys() throws Exception {
    byte[] png = TestData.encode(new float[] {1, 2, 3, 4}, 2, 2, 1, "png");
    Example ex = Example.newBuilder().setFeatures(TestData.example(png, 3, null).getFeatures().toBuilder()
        .putFeature("img", TestData.example(png, 0, null).getFeatures().getFeatureOrThrow("image/encoded"))
        .putFeature("y", TestData.example(png, 1, null).getFeatures().getFeatureOrThrow("image/class/label"))).build();
    Path f = dir.resolve("custom.tfrecord");
    TfRecords.write(f, List.of(ex.toByteArray()));
    LabeledData data = TfRecordData.open(List.of(f),
        DataOptions.builder().optImageKey("img").optLabelKey("y").build());
    assertEquals(1, data.label(0));
    assertArrayEquals(new float[] {1, 2, 3, 4}, TestData.read(data, 0));
  }

  @Test
  void rawModeYieldsSerializedExamples() throws Exception {
    Path f = write("r.tfrecord", 2);
    LabeledData data = TfRecordData.open(List.of(f), DataOptions.builder().optRawExamples(true).build());
    assertEquals(ExampleKind.STRING, data.kind());
    assertArrayEquals(new long[0], data.exampleShape());
    Example ex = Example.parseFrom(data.readBytes(1));
    assertEquals(1, ex.getFeatures().getFeatureOrThrow("image/class/label").getInt64List().getValue(0));
    assertThrows(UnsupportedOperationException.class, () -> data.readFloats(0, new float[1], 0));
  }

  @Test
  void corruptImageInsideRecordNamesRecord() throws Exception {
    Path f = dir.resolve("bad-image.tfrecord");
    byte[] good = TestData.encode(new float[4], 2, 2, 1, "png");
    TfRecords.write(f, List.of(TestData.example(good, 0, null).toByteArray(),
        TestData.example("not an image".getBytes(StandardCharsets.UTF_8), 1, null).toByteArray()));
    LabeledData data = TfRecordData.open(List.of(f), DataOptions.defaults());
    DataException e = assertThrows(DataException.class, () -> TestData.read(data, 1));
    assertTrue(e.getMessage().startsWith(f + " record 1: not a JPEG or PNG image"), e.getMessage());
  }
}
