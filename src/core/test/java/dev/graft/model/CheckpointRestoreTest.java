package dev.graft.model;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.graft.error.GraftException;
import dev.graft.graph.VariableIo;
import dev.graft.graph.VariableSnapshot;
import dev.graft.testing.PythonSide;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.Map;
import java.util.List;
import java.util.stream.Stream;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.MethodSource;
import org.tensorflow.Graph;
import org.tensorflow.GraphOperation;
import org.tensorflow.Result;
import org.tensorflow.SavedModelBundle;
import org.tensorflow.Session;
import org.tensorflow.Tensor;
import org.tensorflow.ndarray.buffer.ByteDataBuffer;
import org.tensorflow.types.TBool;
import org.tensorflow.types.TString;

/** {@code LoadedModel} reads its variables from the checkpoint and gets the values TensorFlow's own loader restores. */
class CheckpointRestoreTest {

  @TempDir Path temp;

  static Stream<Path> models() {
    List<Path> models = new ArrayList<>(List.of(Path.of("savedmodels/fashion_cnn"), Path.of("savedmodels/fashion_mlp_tf1")));
    if (!PythonSide.ready()) {
      System.err.println("*** Python fixtures unavailable: CheckpointRestoreTest checks the repo's models only");
    }
    PythonSide.fixtureNames().forEach(n -> models.add(PythonSide.fixture(n)));
    return models.stream();
  }

  @ParameterizedTest
  @MethodSource("models")
  void restoresTheValuesTensorFlowsLoaderRestores(Path dir) {
    try (LoadedModel model = LoadedModel.load(dir, LoadedModel.LoadOptions.defaults());
        SavedModelBundle bundle = SavedModelBundle.load(dir.toString(), "serve")) {
      List<String> names = model.variables().stream().map(VariableInfo::name).toList();
      Map<String, byte[]> theirs = setByLoader(bundle, names);
      if (theirs.isEmpty()) {
        // a graph whose restore op fills copies: the loader sets none of the variables the signature reads
        assertFalse(names.isEmpty(), dir + " has variables");
        return;
      }
      List<String> compared = new ArrayList<>(theirs.keySet());
      try (VariableSnapshot ours = model.readVariables(compared)) {
        for (int i = 0; i < compared.size(); i++) {
          assertArrayEquals(theirs.get(compared.get(i)), content(ours.value(i)),
              "value of " + compared.get(i) + " in " + dir);
        }
      }
    }
  }

  @Test
  void aCheckpointOfAnotherModelIsRefused() throws Exception {
    Path model = temp.resolve("model");
    Path source = Path.of("savedmodels/fashion_cnn");
    Files.createDirectories(model.resolve("variables"));
    Files.copy(source.resolve("saved_model.pb"), model.resolve("saved_model.pb"));
    try (Stream<Path> files = Files.list(Path.of("savedmodels/fashion_mlp_tf1/variables"))) {
      for (Path f : files.toList()) {
        Files.copy(f, model.resolve("variables").resolve(f.getFileName()));
      }
    }
    GraftException e = assertThrows(GraftException.class,
        () -> LoadedModel.load(model, LoadedModel.LoadOptions.defaults()).close());
    assertTrue(e.getMessage().contains(model.toString()), e.getMessage());
  }

  @Test
  void aMissingCheckpointIsNamed() throws Exception {
    Path model = temp.resolve("bare");
    Files.createDirectories(model.resolve("variables"));
    Files.copy(Path.of("savedmodels/fashion_cnn/saved_model.pb"), model.resolve("saved_model.pb"));
    GraftException e = assertThrows(GraftException.class,
        () -> LoadedModel.load(model, LoadedModel.LoadOptions.defaults()).close());
    assertTrue(e.getMessage().contains("no variables/variables.index"), e.getMessage());
  }

  /** The values TensorFlow's loader gave the variables among {@code names} in {@code bundle}, of those it set. */
  private static Map<String, byte[]> setByLoader(SavedModelBundle bundle, List<String> names) {
    Graph graph = bundle.graph();
    Session.Runner runner = bundle.session().runner();
    List<String> checked = new ArrayList<>();
    Map<String, byte[]> values = new LinkedHashMap<>();
    for (String name : names) {
      GraphOperation variable = graph.operation(name);
      if (variable != null && variable.type().equals("VarHandleOp")) {
        checked.add(name);
        runner.fetch(graph.opBuilder("VarIsInitializedOp", "check_set/" + checked.size(), graph.baseScope())
            .addInput(variable.output(0)).build().output(0));
      } else if (variable != null && variable.type().startsWith("Variable")) {
        try (Result ref = bundle.session().runner().fetch(variable.output(0)).run()) {
          values.put(name, content(ref.get(0)));
        }
      }
    }
    List<String> set = new ArrayList<>();
    if (!checked.isEmpty()) {
      try (Result result = runner.run()) {
        for (int i = 0; i < checked.size(); i++) {
          if (((TBool) result.get(i)).getBoolean()) {
            set.add(checked.get(i));
          }
        }
      }
    }
    if (!set.isEmpty()) {
      try (VariableSnapshot read = new VariableIo(graph, "check_read").read(bundle.session(), set)) {
        for (int i = 0; i < set.size(); i++) {
          values.put(set.get(i), content(read.value(i)));
        }
      }
    }
    return values;
  }

  /** The values of {@code t} as bytes: a string tensor's strings (its raw buffer holds pointers), else its raw data. */
  private static byte[] content(Tensor t) {
    if (t instanceof TString strings) {
      StringBuilder text = new StringBuilder();
      strings.scalars().forEach(s -> text.append(s.getObject()).append('\0'));
      return text.toString().getBytes(java.nio.charset.StandardCharsets.UTF_8);
    }
    return bytes(t.asRawTensor().data());
  }

  private static byte[] bytes(ByteDataBuffer data) {
    byte[] b = new byte[(int) data.size()];
    data.read(b);
    return b;
  }
}
