package dev.graft.cli;

import dev.graft.graph.TensorRef;
import dev.graft.head.CutChoice;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.SerializationFeature;
import dev.graft.error.GraftException;
import dev.graft.export.ExportMetadata;
import dev.graft.graph.CutCandidates;
import dev.graft.graph.CutPoint;
import dev.graft.graph.GraphIndex;
import dev.graft.head.HeadLocator;
import dev.graft.graph.LayerMap;
import dev.graft.graph.Pooling;
import dev.graft.model.LoadedModel;
import dev.graft.model.SignatureInfo;
import dev.graft.model.TensorSpec;
import dev.graft.model.VariableInfo;
import dev.graft.train.FreezePolicy;
import java.io.PrintWriter;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.concurrent.Callable;
import picocli.CommandLine.Command;
import picocli.CommandLine.Option;
import picocli.CommandLine.Parameters;
import picocli.CommandLine.Spec;

/** {@code graft inspect}: what a SavedModel holds and where Graft would cut it. */
@Command(name = "inspect", mixinStandardHelpOptions = true,
    description = "Show a SavedModel's signatures, layers, variables and the head Graft found.",
    footer = {"", "Example:", "  graft inspect savedmodels/fashion_cnn --train last:2", "  graft inspect model/ --json"})
final class InspectCommand implements Callable<Integer> {

  @Spec picocli.CommandLine.Model.CommandSpec spec;

  @Parameters(index = "0", paramLabel = "MODEL_DIR", description = "SavedModel folder.")
  Path model;

  @Option(names = "--tag", defaultValue = "serve", description = "Meta graph tag (default: ${DEFAULT-VALUE}).")
  String tag;

  @Option(names = "--signature", defaultValue = "serving_default", description = "Signature (default: ${DEFAULT-VALUE}).")
  String signature;

  @Option(names = "--cut-at", paramLabel = "OP[:INDEX]", description = "Use this op output as the feature tensor.")
  String cutAt;

  @Option(names = "--cut-layer", paramLabel = "NAME", description = "Use this layer's output as the feature tensor.")
  String cutLayer;

  @Option(names = "--train", defaultValue = "head", description = "Freeze policy to show: head, last:N, regex:P, all.")
  String train;

  @Option(names = "--pool", defaultValue = "avg",
      description = "How a feature map at the cut becomes a vector: avg, max or flatten (default: ${DEFAULT-VALUE}).")
  String pool;

  @Option(names = "--json", description = "Print one JSON object.")
  boolean json;

  @Option(names = "--variables", description = "List every variable (name, dtype, shape, trainable) under its layer.")
  boolean variables;

  @Override
  public Integer call() throws Exception {
    if (cutAt != null && cutLayer != null) {
      throw new picocli.CommandLine.ParameterException(spec.commandLine(), "--cut-at " + cutAt + " and --cut-layer "
          + cutLayer + " both choose the cut; pass one");
    }
    FreezePolicy policy;
    try {
      policy = FreezePolicy.parse(train);
    } catch (IllegalArgumentException e) {
      throw new picocli.CommandLine.ParameterException(spec.commandLine(), SettingFlags.describe(e));
    }
    Pooling pooling;
    try {
      pooling = Pooling.parse(pool);
    } catch (IllegalArgumentException e) {
      throw new picocli.CommandLine.ParameterException(spec.commandLine(), SettingFlags.describe(e));
    }
    try (LoadedModel loaded = LoadedModel.load(model, new LoadedModel.LoadOptions(tag, signature))) {
      Map<String, Object> report = report(loaded, policy, pooling);
      PrintWriter out = spec.commandLine().getOut();
      if (json) {
        out.println(new ObjectMapper().enable(SerializationFeature.INDENT_OUTPUT).writeValueAsString(report));
      } else {
        printText(out, loaded, report);
      }
      out.flush();
      return report.get("headError") == null ? 0 : 1;
    }
  }

  private Map<String, Object> report(LoadedModel loaded, FreezePolicy policy, Pooling pooling) {
    Map<String, Object> report = new LinkedHashMap<>();
    report.put("path", model.toString());
    report.put("tfVersion", loaded.dir().tfVersion());
    List<Map<String, Object>> sigs = new ArrayList<>();
    for (SignatureInfo s : loaded.dir().signatures()) {
      sigs.add(Map.of("key", s.key(), "method", s.method(), "inputs", specs(s.inputs()), "outputs", specs(s.outputs())));
    }
    report.put("signatures", sigs);
    GraphIndex index = new GraphIndex(loaded.flatGraph());
    CutPoint cut = null;
    try {
      cut = HeadLocator.locate(index, loaded.graph(), loaded.signature(), new CutChoice(cutAt, cutLayer),
          pooling);
    } catch (GraftException e) {
      report.put("headError", SettingFlags.describe(e));
    }
    Set<String> upstream = cut == null ? Set.of() : index.ancestors(List.of(cut.features()));
    Map<String, List<String>> layerVars = new LinkedHashMap<>();
    for (VariableInfo v : loaded.variables()) {
      if (v.trainable() && upstream.contains(v.name())) {
        layerVars.computeIfAbsent(v.layer(), k -> new ArrayList<>()).add(v.name());
      }
    }
    Set<String> trained = policy.select(new ArrayList<>(layerVars.keySet()), new ArrayList<>(layerVars.values()));
    List<Map<String, Object>> vars = new ArrayList<>();
    long total = 0;
    long trainable = 0;
    for (VariableInfo v : loaded.variables()) {
      Map<String, Object> entry = new LinkedHashMap<>();
      entry.put("name", v.name());
      entry.put("shape", v.shape());
      entry.put("dtype", TensorSpec.dtypeName(v.dtype()));
      entry.put("trainable", v.trainable());
      entry.put("layer", v.layer());
      entry.put("trainedByPolicy", trained.contains(v.name()));
      entry.put("oldHead", cut != null && cut.oldHeadVariables().contains(v.name()));
      vars.add(entry);
      total += v.size();
      trainable += v.trainable() ? v.size() : 0;
    }
    report.put("variables", vars);
    report.put("layers", loaded.layers());
    report.put("parameters", Map.of("total", total, "trainable", trainable));
    if (cut != null) {
      Map<String, Object> head = new LinkedHashMap<>();
      head.put("logits", cut.logits());
      head.put("features", cut.features());
      head.put("layer", cut.layer());
      head.put("pooling", cut.pooling().toString());
      head.put("featureSize", cut.featureSize());
      head.put("numClasses", cut.numClasses());
      head.put("activation", cut.activation().id());
      head.put("oldHeadVariables", cut.oldHeadVariables());
      report.put("head", head);
      report.put("cutCandidates", candidates(loaded, index, cut));
    }
    report.put("trainPolicy", policy.toString());
    ExportMetadata.read(model).ifPresent(m -> report.put("graftExport", Map.of("inputContract", m.inputContract().id(),
        "preprocessing", m.preprocessing().toString(), "bakedIntoServingGraph", m.baked(), "description", m.describe())));
    return report;
  }

  private static List<Map<String, Object>> specs(List<TensorSpec> tensors) {
    return tensors.stream().map(t -> Map.<String, Object>of("name", t.key(), "dtype", t.dtypeName(),
        "shape", t.shape() == null ? "unknown" : t.shape())).toList();
  }

  private static List<Map<String, Object>> candidates(LoadedModel loaded, GraphIndex index, CutPoint cut) {
    LayerMap layers = HeadLocator.layers(index, loaded.signature());
    List<Map<String, Object>> rows = new ArrayList<>();
    for (CutCandidates.Candidate c : CutCandidates.all(layers, index, loaded.graph(), cut)) {
      Map<String, Object> row = new LinkedHashMap<>();
      row.put("layer", c.layer());
      row.put("tensor", c.tensor());
      row.put("shape", shape(c.shape()));
      row.put("featureSize", c.featureSize());
      row.put("role", c.role().name().toLowerCase(java.util.Locale.ROOT));
      rows.add(row);
    }
    return rows;
  }

  private static String shape(org.tensorflow.ndarray.Shape shape) {
    return shape.toString().replace(" ", "");
  }

  private static String outputShape(LoadedModel loaded, GraphIndex index, LayerMap layers, String layer) {
    LayerMap.Layer found = layers.find(layer);
    String tensor = found != null ? found.output() : HeadLocator.layerOutput(index, layer);
    if (tensor == null) {
      return "?";
    }
    var op = loaded.graph().operation(TensorRef.opOf(tensor));
    return op == null ? "?" : op.output(TensorRef.parse(tensor).index()).shape().toString().replace(" ", "");
  }

  private static void printCandidates(PrintWriter out, List<Map<String, Object>> rows, String pooling) {
    if (rows.isEmpty()) {
      return;
    }
    out.printf("%nCut candidates: every layer's output, input to output (choose one with --cut-layer NAME; a feature "
        + "map [N,H,W,C] is pooled, --pool %s)%n", pooling);
    out.printf("%-36s %-18s %10s  %s%n", "Layer", "Output", "Features", "Role");
    for (Map<String, Object> row : rows) {
      long size = (Long) row.get("featureSize");
      String role = switch ((String) row.get("role")) {
        case "cut" -> "default cut";
        case "old_head" -> "old head";
        default -> "";
      };
      out.printf("%-36s %-18s %10s  %s%n", row.get("layer"), row.get("shape"), size < 0 ? "-" : Long.toString(size),
          role).flush();
    }
  }

  @SuppressWarnings("unchecked")
  private void printText(PrintWriter out, LoadedModel loaded, Map<String, Object> report) {
    out.printf("Model      %s (written by TensorFlow %s)%n", model, report.get("tfVersion"));
    ExportMetadata.read(model).ifPresent(m -> out.printf("Export     a Graft export; input %s%n", m.describe()));
    for (SignatureInfo s : loaded.dir().signatures()) {
      out.printf("Signature  %s [%s]%n", s.key(), s.method());
      s.inputs().forEach(t -> out.printf("  in   %-24s %-8s %s%n", t.key(), t.dtypeName(), t.shapeString()));
      s.outputs().forEach(t -> out.printf("  out  %-24s %-8s %s%n", t.key(), t.dtypeName(), t.shapeString()));
    }
    out.println();
    out.printf("%-36s %-16s %-10s %10s  %-9s %s%n", "Layer", "Output", "Variables", "Params", "Trainable",
        "Policy " + report.get("trainPolicy"));
    GraphIndex index = new GraphIndex(loaded.flatGraph());
    LayerMap layerMap = HeadLocator.layers(index, loaded.signature());
    Map<String, long[]> params = new LinkedHashMap<>();
    Map<String, Boolean> trainedLayers = new LinkedHashMap<>();
    Map<String, Boolean> oldHead = new LinkedHashMap<>();
    Map<String, Integer> counts = new LinkedHashMap<>();
    for (Map<String, Object> v : (List<Map<String, Object>>) report.get("variables")) {
      String layer = (String) v.get("layer");
      long size = 1;
      for (long d : (long[]) v.get("shape")) {
        size *= d;
      }
      long[] p = params.computeIfAbsent(layer, k -> new long[2]);
      p[0] += size;
      p[1] += (Boolean) v.get("trainable") ? size : 0;
      counts.merge(layer, 1, Integer::sum);
      trainedLayers.merge(layer, (Boolean) v.get("trainedByPolicy"), Boolean::logicalOr);
      oldHead.merge(layer, (Boolean) v.get("oldHead"), Boolean::logicalOr);
    }
    for (String layer : params.keySet()) {
      String role = oldHead.get(layer) ? "replaced (old head)" : trainedLayers.get(layer) ? "trains" : "frozen";
      out.printf("%-36s %-16s %-10s %10d  %-9s %s%n", layer, outputShape(loaded, index, layerMap, layer),
          counts.get(layer) + " vars", params.get(layer)[0], params.get(layer)[1] > 0 ? "yes" : "no", role);
      if (variables) {
        for (Map<String, Object> v : (List<Map<String, Object>>) report.get("variables")) {
          if (v.get("layer").equals(layer)) {
            out.printf("    %-40s %-6s %-16s %s%n", v.get("name"), v.get("dtype"),
                java.util.Arrays.toString((long[]) v.get("shape")).replace(" ", ""),
                (Boolean) v.get("trainable") ? "trainable" : "not trainable");
          }
        }
      }
    }
    Map<String, Long> p = (Map<String, Long>) report.get("parameters");
    out.printf("%nParameters %d total, %d trainable%n", p.get("total"), p.get("trainable"));
    Map<String, Object> head = (Map<String, Object>) report.get("head");
    if (head != null) {
      out.printf("Head       %s activation over logits %s (%s classes)%n", head.get("activation"),
          head.get("logits") == null ? "(user cut)" : head.get("logits"), head.get("numClasses"));
      out.printf("Features   %s (%s per example%s): a new head reads this tensor%n",
          head.get("layer") == null ? head.get("features") : "layer " + head.get("layer") + ", " + head.get("features"),
          head.get("featureSize"), "avg".equals(head.get("pooling")) ? "" : ", pooled " + head.get("pooling"));
      printCandidates(out, (List<Map<String, Object>>) report.get("cutCandidates"), String.valueOf(head.get("pooling")));
    } else {
      out.println("Head       none: " + report.get("headError"));
    }
  }
}
