package dev.graft.model;

import com.google.protobuf.InvalidProtocolBufferException;
import dev.graft.error.GraftException;
import dev.graft.graph.VariableIo;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import java.util.Map;
import org.tensorflow.Graph;
import org.tensorflow.GraphOperation;
import org.tensorflow.Result;
import org.tensorflow.Session;
import org.tensorflow.Tensor;
import org.tensorflow.exceptions.TensorFlowException;
import org.tensorflow.proto.DataType;
import org.tensorflow.proto.TrackableObjectGraphOuterClass.TrackableObjectGraph;
import org.tensorflow.types.TString;

/**
 * Restores a loaded model's variables from its SavedModel's checkpoint ({@code variables/variables}) with one
 * {@code RestoreV2} in a small graph of its own, as TensorFlow's loader would, without loading the SavedModel again.
 *
 * <p>A variable's checkpoint entry is the one the checkpoint's object graph pairs with it (TF2 exports: the
 * variables a top-level function call captures, see {@link CapturedVariables}), else its own name (TF1 exports and
 * Graft's, whose savers key each variable by its name).
 */
final class CheckpointVariables {

  private static final String OBJECT_GRAPH_KEY = "_CHECKPOINTABLE_OBJECT_GRAPH";

  private CheckpointVariables() {}

  /**
   * Reads every variable of {@code variables} from the checkpoint of {@code dir} and assigns it through {@code io}.
   *
   * @throws GraftException when the checkpoint lacks a variable, holds it with another shape, or cannot be read
   */
  static void restore(SavedModelDir dir, List<VariableInfo> variables, Session session, VariableIo io) {
    if (variables.isEmpty()) {
      return;
    }
    Path prefix = dir.path().resolve("variables").resolve("variables");
    TrackableObjectGraph objects = objectGraph(prefix);
    Map<String, String> paired = objects == null ? Map.of() : CapturedVariables.checkpointKeys(dir.metaGraph(), objects);
    List<String> names = variables.stream().map(VariableInfo::name).toList();
    List<String> keys = names.stream().map(n -> paired.getOrDefault(n, n)).toList();
    List<DataType> types = variables.stream().map(VariableInfo::dtype).toList();
    try (Graph graph = new Graph(); Session reader = new Session(graph)) {
      GraphOperation restore = CapturedVariables.restoreOp(graph, prefix, keys, types);
      Session.Runner runner = reader.runner();
      for (int i = 0; i < names.size(); i++) {
        runner.fetch(restore.output(i));
      }
      try (Result values = runner.run()) {
        for (int i = 0; i < names.size(); i++) {
          checkShape(variables.get(i), keys.get(i), values.get(i), prefix);
        }
        io.assign(session, names, values::get);
      }
    } catch (TensorFlowException e) {
      throw new GraftException(LoadedModel.loadFailure(dir.path(), e), e);
    }
  }

  private static void checkShape(VariableInfo variable, String key, Tensor value, Path prefix) {
    long[] expected = variable.shape();
    long[] found = value.shape().asArray();
    if (expected != null && Arrays.stream(expected).allMatch(d -> d >= 0) && !Arrays.equals(expected, found)) {
      throw new GraftException("Checkpoint " + prefix + " holds variable '" + variable.name() + "' (entry '" + key
          + "') with shape " + Arrays.toString(found) + " but the model's graph declares "
          + Arrays.toString(expected) + ": the variables/ folder belongs to another model; copy the SavedModel "
          + "folder again.");
    }
  }

  /** The checkpoint's object graph (TF2 checkpoints), or null when it has none (TF1 savers write none). */
  private static TrackableObjectGraph objectGraph(Path prefix) {
    try (Graph graph = new Graph(); Session reader = new Session(graph)) {
      GraphOperation restore = CapturedVariables.restoreOp(graph, prefix, List.of(OBJECT_GRAPH_KEY),
          List.of(DataType.DT_STRING));
      try (Result result = reader.runner().fetch(restore.output(0)).run()) {
        return TrackableObjectGraph.parseFrom(((TString) result.get(0)).asBytes().getObject());
      }
    } catch (TensorFlowException | InvalidProtocolBufferException e) {
      return null;
    }
  }
}
