package dev.graft.model;

import dev.graft.head.CutChoice;
import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.graft.Graft;
import dev.graft.GraftModel;
import dev.graft.testing.Tensors;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Collections;
import java.util.List;
import java.util.stream.Stream;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.tensorflow.Graph;
import org.tensorflow.Operand;
import org.tensorflow.Session;
import org.tensorflow.ndarray.NdArrays;
import org.tensorflow.op.Ops;
import org.tensorflow.op.train.Restore;
import org.tensorflow.proto.DataType;
import org.tensorflow.proto.NodeDef;
import org.tensorflow.types.TFloat32;
import org.tensorflow.types.TString;
import org.tensorflow.types.family.TType;

/** A SavedModel whose weights are sharded over several data files loads with the same values as unsharded. */
class ShardedWeightsTest {

  @TempDir Path dir;

  @Test
  void weightsShardedOverTwoFilesLoadBitIdentical() throws Exception {
    Path original = Path.of("savedmodels/fashion_cnn");
    Path sharded = dir.resolve("sharded");
    Files.createDirectories(sharded.resolve("variables"));
    Files.copy(original.resolve("saved_model.pb"), sharded.resolve("saved_model.pb"));
    List<String> keys = checkpointKeys(original);
    assertTrue(keys.size() >= 4, "fashion_cnn's saver lists its variables: " + keys);

    try (Graph graph = new Graph(); Session session = new Session(graph)) {
      Ops tf = Ops.create(graph);
      List<Class<? extends TType>> dtypes = new ArrayList<>(Collections.nCopies(keys.size(), TFloat32.class));
      Restore values = tf.train.restore(tf.constant(original.resolve("variables/variables").toString()),
          strings(tf, keys), strings(tf, Collections.nCopies(keys.size(), "")), dtypes);
      int half = keys.size() / 2;
      List<String> parts = List.of(dir.resolve("parts/part-0").toString(), dir.resolve("parts/part-1").toString());
      for (int p = 0; p < 2; p++) {
        List<String> names = p == 0 ? keys.subList(0, half) : keys.subList(half, keys.size());
        List<Operand<?>> tensors = new ArrayList<>(values.tensors().subList(p == 0 ? 0 : half, p == 0 ? half
            : keys.size()));
        session.run(tf.train.save(tf.constant(parts.get(p)), strings(tf, names),
            strings(tf, Collections.nCopies(names.size(), "")), tensors));
      }
      session.run(tf.train.mergeV2Checkpoints(strings(tf, parts),
          tf.constant(sharded.resolve("variables/variables").toString())));
    }
    try (Stream<Path> files = Files.list(sharded.resolve("variables"))) {
      assertEquals(List.of("variables.data-00000-of-00002", "variables.data-00001-of-00002", "variables.index"),
          files.map(f -> f.getFileName().toString()).sorted().toList());
    }

    try (GraftModel a = Graft.load(original, CutChoice.none());
        GraftModel b = Graft.load(sharded, CutChoice.none())) {
      List<String> names = a.model().variables().stream().map(VariableInfo::name).toList();
      float[][] want = Tensors.variableValues(a, names);
      float[][] got = Tensors.variableValues(b, names);
      for (int i = 0; i < names.size(); i++) {
        assertArrayEquals(want[i], got[i], names.get(i));
      }
    }
  }

  /** The checkpoint keys the model's own saver restores (the tensor_names of its RestoreV2 op). */
  private static List<String> checkpointKeys(Path model) {
    var graph = SavedModelDir.open(model, "serve").metaGraph().getGraphDef();
    NodeDef restore = graph.getNodeList().stream().filter(n -> n.getOp().equals("RestoreV2")).findFirst()
        .orElseThrow();
    for (DataType t : restore.getAttrOrThrow("dtypes").getList().getTypeList()) {
      assertEquals(DataType.DT_FLOAT, t, "this test restores float variables only");
    }
    // The names are a constant; TensorFlow decodes it, however the proto stores the strings.
    try (Graph g = new Graph()) {
      g.importGraphDef(graph);
      try (Session session = new Session(g);
          var result = session.runner().fetch(restore.getInput(1)).run()) {
        List<String> keys = new ArrayList<>();
        ((TString) result.get(0)).scalars().forEach(s -> keys.add(s.getObject()));
        return keys;
      }
    }
  }

  private static Operand<TString> strings(Ops tf, List<String> values) {
    return tf.constant(NdArrays.vectorOfObjects(values.toArray(new String[0])));
  }
}
