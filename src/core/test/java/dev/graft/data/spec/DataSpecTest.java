package dev.graft.data.spec;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.graft.data.read.FashionMnist;
import java.util.List;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.CsvSource;
import org.junit.jupiter.params.provider.ValueSource;

class DataSpecTest {

  @ParameterizedTest
  @CsvSource(delimiter = '|', value = {
      "photos/              | FOLDER               | folder:photos/",
      "folder:a b           | FOLDER               | folder:a b",
      "idx:i.gz,l.gz        | IDX                  | idx:i.gz,l.gz",
      "csv:d.csv            | CSV                  | csv:d.csv",
      "data.CSV             | CSV                  | csv:data.CSV",
      "tfrecord:a,b         | TFRECORD             | tfrecord:a,b",
      "x.tfrecord           | TFRECORD             | tfrecord:x.tfrecord",
      "fashion-mnist        | FASHION_MNIST        | fashion-mnist:train",
      "fashion-mnist:t10k   | FASHION_MNIST        | fashion-mnist:test",
      "fashion-mnist-subset:test | FASHION_MNIST_SUBSET | fashion-mnist-subset:test"})
  void parsesEveryForm(String text, DataSpec.Kind kind, String canonical) {
    DataSpec spec = DataSpec.parse(text);
    assertEquals(kind, spec.kind());
    assertEquals(canonical, spec.toString());
    assertEquals(spec, DataSpec.parse(spec.toString()));
  }

  @ParameterizedTest
  @ValueSource(strings = {"", "idx:only-one", "fashion-mnist:val", "parquet:x", "csv:"})
  void rejectsBadSpecsNamingTheForms(String text) {
    IllegalArgumentException e = assertThrows(IllegalArgumentException.class, () -> DataSpec.parse(text));
    assertTrue(e.getMessage().contains("expected"), e.getMessage());
  }

  @Test
  void namedSetsCarryTheirSplit() {
    assertEquals(FashionMnist.Split.TRAIN, DataSpec.parse("fashion-mnist").split());
    assertEquals(FashionMnist.Split.TEST, DataSpec.parse("fashion-mnist:t10k").split());
    assertEquals(FashionMnist.Split.TEST, DataSpec.parse("fashion-mnist-subset:TEST").split());
    assertNull(DataSpec.parse("photos/").split());
  }

  @Test
  void idxKeepsBothPaths() {
    assertEquals(List.of("a", "b"), DataSpec.parse("idx:a, b").paths());
  }
}
