package dev.graft.export;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.graft.graph.VariableIo;
import dev.graft.testing.Tensors;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.stream.Stream;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.tensorflow.Graph;
import org.tensorflow.Result;
import org.tensorflow.SavedModelBundle;
import org.tensorflow.Session;
import org.tensorflow.ndarray.Shape;
import org.tensorflow.ndarray.buffer.DataBuffers;
import org.tensorflow.op.Ops;
import org.tensorflow.proto.DataType;
import org.tensorflow.proto.SignatureDef;
import org.tensorflow.types.TFloat32;

class SavedModelWriterTest {

  @TempDir Path dir;

  /** y = x * w with w a resource variable holding {2, 3}. */
  private static void buildScaleModel(Graph graph) {
    Ops tf = Ops.create(graph);
    var w = tf.withName("w").varHandleOp(TFloat32.class, Shape.of(2));
    var x = tf.withName("x").placeholder(TFloat32.class, org.tensorflow.op.core.Placeholder.shape(Shape.of(-1, 2)));
    tf.withName("y").math.mul(x, tf.readVariableOp(w, TFloat32.class));
  }

  private static SignatureDef signature() {
    return SignatureDef.newBuilder().setMethodName("tensorflow/serving/predict")
        .putInputs("x", SavedModelWriter.tensorInfo("x:0", DataType.DT_FLOAT, -1, 2))
        .putOutputs("y", SavedModelWriter.tensorInfo("y:0", DataType.DT_FLOAT, -1, 2)).build();
  }

  private static void assignW(Graph graph, Session session) {
    try (TFloat32 w = TFloat32.tensorOf(Shape.of(2), DataBuffers.of(new float[] {2, 3}, true, false))) {
      new VariableIo(graph, "io").assign(session, List.of("w"), i -> w);
    }
  }

  @Test
  void resourceVariablesSurviveTheRoundTrip() {
    Path target = dir.resolve("model");
    try (Graph graph = new Graph(); Session session = new Session(graph)) {
      buildScaleModel(graph);
      assignW(graph, session);
      SavedModelWriter.of(graph, session).signature("serving_default", signature())
          .asset("labels.txt", "a\nb\n".getBytes()).write(target);
    }
    assertTrue(Files.isRegularFile(target.resolve("variables/variables.index")));
    assertEquals("a\nb\n", readString(target.resolve("assets/labels.txt")));
    try (SavedModelBundle bundle = SavedModelBundle.load(target.toString(), "serve");
        TFloat32 x = TFloat32.tensorOf(Shape.of(1, 2), DataBuffers.of(new float[] {1, 1}, true, false));
        Result out = bundle.session().runner().feed("x:0", x).fetch("y:0").run()) {
      assertArrayEquals(new float[] {2, 3}, Tensors.floats(out.get(0)));
    }
  }

  @Test
  void failureBeforeRenameLeavesNoModelFolder() throws IOException {
    Path target = dir.resolve("model");
    try (Graph graph = new Graph(); Session session = new Session(graph)) {
      buildScaleModel(graph);
      assignW(graph, session);
      var writer = SavedModelWriter.of(graph, session).signature("serving_default", signature())
          .beforeRename(() -> {
            throw new IllegalStateException("simulated crash");
          });
      assertThrows(IllegalStateException.class, () -> writer.write(target));
    }
    assertFalse(Files.exists(target));
    try (Stream<Path> left = Files.list(dir)) {
      assertEquals(List.of(), left.toList(), "temporary folders must be removed");
    }
  }

  @Test
  void refusesAnExistingTarget() throws IOException {
    Path target = Files.createDirectories(dir.resolve("model"));
    try (Graph graph = new Graph(); Session session = new Session(graph)) {
      buildScaleModel(graph);
      var e = assertThrows(IllegalArgumentException.class,
          () -> SavedModelWriter.of(graph, session).signature("s", signature()).write(target));
      assertTrue(e.getMessage().contains("already exists"), e.getMessage());
    }
  }

  @Test
  void refusesToWriteWithoutASignatureAndLeavesNothing() {
    Path target = dir.resolve("unsigned");
    try (Graph graph = new Graph(); Session session = new Session(graph)) {
      buildScaleModel(graph);
      var e = assertThrows(IllegalStateException.class, () -> SavedModelWriter.of(graph, session).write(target));
      assertEquals("No signature added: call signature(key, def) before write()", e.getMessage());
      assertThrows(IllegalStateException.class, () -> SavedModelWriter.of(graph, session).writeNextVersion(target));
    }
    assertFalse(Files.exists(target), "nothing written at " + target);
  }

  @Test
  void twoWritersOfOneFolderTakeTheNextFreeVersionAtTheRename() throws IOException {
    Path out = dir.resolve("serving");
    try (Graph graph = new Graph(); Session session = new Session(graph);
        Graph other = new Graph(); Session otherSession = new Session(other)) {
      buildScaleModel(graph);
      assignW(graph, session);
      buildScaleModel(other);
      assignW(other, otherSession);
      Path[] second = new Path[1];
      // the second writer starts and finishes while the first is between writing and renaming
      Path first = SavedModelWriter.of(graph, session).signature("serving_default", signature())
          .beforeRename(() -> second[0] = SavedModelWriter.of(other, otherSession)
              .signature("serving_default", signature()).writeNextVersion(out))
          .writeNextVersion(out);
      assertEquals(out.resolve("1"), second[0]);
      assertEquals(out.resolve("2"), first, "the first writer takes the next version instead of failing");
    }
    for (String version : new String[] {"1", "2"}) {
      assertTrue(Files.isRegularFile(out.resolve(version).resolve("saved_model.pb")), version);
    }
    try (Stream<Path> left = Files.list(out)) {
      assertEquals(List.of("1", "2"), left.map(p -> p.getFileName().toString()).sorted().toList());
    }
  }

  private static String readString(Path p) {
    try {
      return Files.readString(p);
    } catch (IOException e) {
      throw new java.io.UncheckedIOException(e);
    }
  }
}
