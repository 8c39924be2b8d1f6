package dev.graft.tools;

import com.google.protobuf.ByteString;
import dev.graft.export.SavedModelWriter;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.Comparator;
import java.util.List;
import org.tensorflow.Graph;
import org.tensorflow.GraphOperation;
import org.tensorflow.GraphOperationBuilder;
import org.tensorflow.Operand;
import org.tensorflow.Output;
import org.tensorflow.Session;
import org.tensorflow.Tensor;
import org.tensorflow.TensorFlow;
import org.tensorflow.ndarray.NdArrays;
import org.tensorflow.ndarray.Shape;
import org.tensorflow.ndarray.buffer.DataBuffers;
import org.tensorflow.op.Ops;
import org.tensorflow.op.core.Placeholder;
import org.tensorflow.proto.CollectionDef;
import org.tensorflow.proto.DataType;
import org.tensorflow.proto.MetaGraphDef;
import org.tensorflow.proto.SaverDef;
import org.tensorflow.proto.SignatureDef;
import org.tensorflow.proto.VariableDef;
import org.tensorflow.types.TFloat32;
import org.tensorflow.types.TInt32;
import org.tensorflow.types.TString;

/**
 * Writes a trained {@link FixtureModel} as TensorFlow 1 wrote a graph: {@code VariableV2} reference
 * variables with their initializers, {@code Assign} ops and {@code /read} snapshots, a plain graph
 * without functions, a {@code tf.train.Saver}'s save and restore ops and the {@code variables} and
 * {@code trainable_variables} collections.
 */
final class Tf1Export {

  /** Signature keys and the input node. */
  static final String INPUT = "input";
  static final String OUTPUT_KEY = "logits";

  private final FixtureModel model;
  private final Graph graph;

  private Tf1Export(FixtureModel model, Graph graph) {
    this.model = model;
    this.graph = graph;
  }

  /** Writes the model with {@code weights} to {@code target}, which must not exist. */
  static void write(FixtureModel model, List<Weight> weights, Path target) {
    try (Graph graph = new Graph(); Session session = new Session(graph)) {
      Tf1Export export = new Tf1Export(model, graph);
      List<VariableDef> variables = new ArrayList<>();
      for (VariableSpec spec : model.variables()) {
        variables.add(export.addVariable(spec));
      }
      Placeholder<TFloat32> input = Ops.create(graph).withName(INPUT)
          .placeholder(TFloat32.class, Placeholder.shape(Shape.of(-1, 28, 28, 1)));
      List<Operand<TFloat32>> outputs = model.forward(graph, "", input, tf1Reads(graph), false, List.of());
      Operand<TFloat32> logits = outputs.get(outputs.size() - 1);
      SaverDef saver = export.addSaver();
      export.assign(session, variables, weights);

      MetaGraphDef.Builder meta = MetaGraphDef.newBuilder()
          .setGraphDef(graph.toGraphDef())
          .setSaverDef(saver)
          .putCollectionDef("variables", collection(variables))
          .putCollectionDef("trainable_variables", collection(variables.stream().filter(VariableDef::getTrainable).toList()))
          .putSignatureDef("serving_default", SignatureDef.newBuilder().setMethodName("tensorflow/serving/predict")
              .putInputs(INPUT, SavedModelWriter.tensorInfo(INPUT + ":0", DataType.DT_FLOAT, -1, 28, 28, 1))
              .putOutputs(OUTPUT_KEY, SavedModelWriter.tensorInfo(
                  logits.op().name() + ":0", DataType.DT_FLOAT, -1, model.numClasses()))
              .build());
      meta.getMetaInfoDefBuilder().addTags("serve").setTensorflowVersion(TensorFlow.version());
      Tf1Files.write(target, session, saver, meta.build());
    }
  }

  /** Layers read a TF1 variable through its {@code <name>/read} snapshot, as {@code tf.layers} did. */
  private static LayerContext.Reads tf1Reads(Graph graph) {
    return new LayerContext.Reads() {
      @Override
      @SuppressWarnings("unchecked")
      public Operand<TFloat32> read(String variable, String opName) {
        return (Operand<TFloat32>) graph.outputOrThrow(variable + "/read");
      }

      @Override
      public Operand<?> handle(String variable) {
        throw new UnsupportedOperationException("TF1 variable '" + variable + "' has no resource handle");
      }
    };
  }

  /**
   * Adds {@code VariableV2} {@code name}, its initializer ({@code name/Initializer/...}), {@code name/Assign}
   * and {@code name/read}; returns its VariableDef.
   */
  private VariableDef addVariable(VariableSpec spec) {
    String name = spec.name();
    GraphOperation variable = op("VariableV2", name)
        .setAttr("dtype", DataType.DT_FLOAT).setAttr("shape", spec.tfShape())
        .setAttr("container", "").setAttr("shared_name", "").build();
    Output<?> initial = initializer(spec);
    String[] colocate = {"loc:@" + name};
    op("Assign", name + "/Assign").addInput(variable.output(0)).addInput(initial)
        .setAttr("T", DataType.DT_FLOAT).setAttr("validate_shape", true).setAttr("use_locking", true)
        .setAttr("_class", colocate).build();
    op("Identity", name + "/read").addInput(variable.output(0)).setAttr("T", DataType.DT_FLOAT)
        .setAttr("_class", colocate).build();
    return VariableDef.newBuilder().setVariableName(name + ":0").setInitializerName(name + "/Assign")
        .setSnapshotName(name + "/read:0").setInitialValueName(initial.op().name() + ":0")
        .setTrainable(spec.trainable()).build();
  }

  /** The initial value as {@code tf.glorot_uniform_initializer} or {@code tf.zeros_initializer} built it. */
  private Output<?> initializer(VariableSpec spec) {
    String scope = spec.name() + "/Initializer/";
    if (spec.init() == VariableSpec.Init.GLOROT_UNIFORM) {
      String base = scope + "random_uniform";
      double fanSum = spec.shape()[0] + spec.shape()[1];
      float limit = (float) Math.sqrt(6 / fanSum);
      Output<?> shape = constant(base + "/shape", TInt32.vectorOf(toInts(spec.shape())));
      Output<?> min = constant(base + "/min", TFloat32.scalarOf(-limit));
      Output<?> max = constant(base + "/max", TFloat32.scalarOf(limit));
      Output<?> uniform = op("RandomUniform", base + "/RandomUniform").addInput(shape)
          .setAttr("T", DataType.DT_INT32).setAttr("dtype", DataType.DT_FLOAT)
          .setAttr("seed", 0L).setAttr("seed2", 0L).build().output(0);
      Output<?> range = binary("Sub", base + "/sub", max, min);
      Output<?> scaled = binary("Mul", base + "/mul", uniform, range);
      return binary("AddV2", base, scaled, min);
    }
    float[] values = new float[spec.size()];
    Arrays.fill(values, spec.init() == VariableSpec.Init.ONES ? 1f : 0f);
    String suffix = spec.init() == VariableSpec.Init.ONES ? "ones" : "zeros";
    return constant(scope + suffix, TFloat32.tensorOf(spec.tfShape(), DataBuffers.of(values, true, false)));
  }

  /**
   * Adds a {@code tf.train.Saver}'s ops (one unsharded V2 checkpoint): {@code save/Const} names the
   * file, {@code save/control_dependency} saves, {@code save/restore_all} restores.
   */
  private SaverDef addSaver() {
    List<VariableSpec> variables = model.variables().stream()
        .sorted(Comparator.comparing(VariableSpec::name)).toList();
    int n = variables.size();
    String[] names = variables.stream().map(VariableSpec::name).toArray(String[]::new);
    String[] slices = new String[n];
    DataType[] dtypes = new DataType[n];
    Arrays.fill(slices, "");
    Arrays.fill(dtypes, DataType.DT_FLOAT);
    Output<?> defaultName = constant("save/filename/input", TString.scalarOf("model"));
    Output<?> filename = op("PlaceholderWithDefault", "save/filename").addInput(defaultName)
        .setAttr("dtype", DataType.DT_STRING).setAttr("shape", Shape.scalar()).build().output(0);
    Output<?> file = op("PlaceholderWithDefault", "save/Const").addInput(filename)
        .setAttr("dtype", DataType.DT_STRING).setAttr("shape", Shape.scalar()).build().output(0);
    Output<?>[] values = new Output<?>[n];
    for (int i = 0; i < n; i++) {
      values[i] = graph.operationOrThrow(names[i]).output(0);
    }
    GraphOperation save = op("SaveV2", "save/SaveV2").addInput(file)
        .addInput(constant("save/SaveV2/tensor_names", TString.tensorOf(NdArrays.vectorOfObjects(names))))
        .addInput(constant("save/SaveV2/shape_and_slices", TString.tensorOf(NdArrays.vectorOfObjects(slices))))
        .addInputList(values).build();
    op("Identity", "save/control_dependency").addInput(file).addControlInput(save)
        .setAttr("T", DataType.DT_STRING).setAttr("_class", new String[] {"loc:@save/Const"}).build();
    GraphOperation restore = op("RestoreV2", "save/RestoreV2").addInput(file)
        .addInput(constant("save/RestoreV2/tensor_names", TString.tensorOf(NdArrays.vectorOfObjects(names))))
        .addInput(constant("save/RestoreV2/shape_and_slices", TString.tensorOf(NdArrays.vectorOfObjects(slices))))
        .setAttr("dtypes", dtypes).build();
    var restoreAll = op("NoOp", "save/restore_all");
    for (int i = 0; i < n; i++) {
      restoreAll.addControlInput(op("Assign", i == 0 ? "save/Assign" : "save/Assign_" + i)
          .addInput(values[i]).addInput(restore.output(i))
          .setAttr("T", DataType.DT_FLOAT).setAttr("validate_shape", true).setAttr("use_locking", true)
          .setAttr("_class", new String[] {"loc:@" + names[i]}).build());
    }
    restoreAll.build();
    return SaverDef.newBuilder()
        .setFilenameTensorName("save/Const:0")
        .setSaveTensorName("save/control_dependency:0")
        .setRestoreOpName("save/restore_all")
        .setMaxToKeep(5)
        .setKeepCheckpointEveryNHours(10000)
        .setVersion(SaverDef.CheckpointFormatVersion.V2)
        .build();
  }

  /** Gives each variable its trained value by running its {@code Assign} with the initial value fed. */
  private void assign(Session session, List<VariableDef> variables, List<Weight> weights) {
    Session.Runner runner = session.runner();
    List<TFloat32> tensors = new ArrayList<>();
    try {
      for (int i = 0; i < variables.size(); i++) {
        TFloat32 value = weights.get(i).tensor();
        tensors.add(value);
        runner.feed(variables.get(i).getInitialValueName(), value).addTarget(variables.get(i).getInitializerName());
      }
      runner.run();
    } finally {
      tensors.forEach(TFloat32::close);
    }
  }

  private static CollectionDef collection(List<VariableDef> variables) {
    CollectionDef.BytesList.Builder bytes = CollectionDef.BytesList.newBuilder();
    variables.forEach(v -> bytes.addValue(ByteString.copyFrom(v.toByteArray())));
    return CollectionDef.newBuilder().setBytesList(bytes).build();
  }

  private GraphOperationBuilder op(String type, String name) {
    return graph.opBuilder(type, name, graph.baseScope());
  }

  private Output<?> constant(String name, Tensor value) {
    try (value) {
      return op("Const", name).setAttr("dtype", value.dataType()).setAttr("value", value).build().output(0);
    }
  }

  private Output<?> binary(String type, String name, Output<?> x, Output<?> y) {
    return op(type, name).addInput(x).addInput(y).setAttr("T", DataType.DT_FLOAT).build().output(0);
  }

  private static int[] toInts(long[] values) {
    int[] ints = new int[values.length];
    for (int i = 0; i < values.length; i++) {
      ints[i] = Math.toIntExact(values[i]);
    }
    return ints;
  }
}
