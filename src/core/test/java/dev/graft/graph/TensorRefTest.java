package dev.graft.graph;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.ValueSource;
import org.tensorflow.Graph;
import org.tensorflow.op.Ops;
import org.tensorflow.types.TFloat32;

class TensorRefTest {

  @Test
  void parsesOpAndIndex() {
    assertEquals(new TensorRef("dense_1/BiasAdd", 2), TensorRef.parse("dense_1/BiasAdd:2"));
    assertEquals(new TensorRef("dense_1/BiasAdd", 0), TensorRef.parse("dense_1/BiasAdd"));
    assertEquals("a/b:0", TensorRef.parse("a/b").toString());
    assertEquals("a/b:0", TensorRef.canonical("a/b"));
    assertEquals("a/b:13", TensorRef.canonical("a/b:13"));
  }

  @Test
  void opOfAcceptsControlInputs() {
    assertEquals("init", TensorRef.opOf("^init"));
    assertEquals("x", TensorRef.opOf("x:1"));
  }

  @ParameterizedTest
  @ValueSource(strings = {"", "^init", "a:", ":0", "a:b", "a:-1", "a:output:0", "a:99999999999"})
  void refusesWhatNamesNoTensorAndNamesIt(String text) {
    IllegalArgumentException e = assertThrows(IllegalArgumentException.class, () -> TensorRef.parse(text));
    assertTrue(e.getMessage().startsWith("'" + text + "' is not a tensor name; expected 'op:index'"), e.getMessage());
  }

  @Test
  void refusesANegativeIndex() {
    IllegalArgumentException e = assertThrows(IllegalArgumentException.class, () -> new TensorRef("a", -1));
    assertEquals("Output index of op 'a' is -1; it must be 0 or more", e.getMessage());
  }

  @Test
  void ofAndInRoundTripThroughAGraph() {
    try (Graph graph = new Graph()) {
      Ops tf = Ops.create(graph);
      var x = tf.withName("x").placeholder(TFloat32.class);
      var split = tf.withName("split").splitV(x, tf.constant(new long[] {1, 1}), tf.constant(0), 2L);
      TensorRef second = TensorRef.of(split.output().get(1));
      assertEquals(new TensorRef("split", 1), second);
      assertEquals(split.output().get(1), second.in(graph));
      assertEquals(x.asOutput(), TensorRef.parse("x").in(graph));
      IllegalArgumentException missing = assertThrows(IllegalArgumentException.class,
          () -> TensorRef.parse("y:0").in(graph));
      assertEquals("The graph has no op 'y' (tensor y:0)", missing.getMessage());
      IllegalArgumentException past = assertThrows(IllegalArgumentException.class,
          () -> TensorRef.parse("split:2").in(graph));
      assertEquals("Op 'split' (SplitV) has 2 outputs; there is no tensor split:2", past.getMessage());
    }
  }
}
