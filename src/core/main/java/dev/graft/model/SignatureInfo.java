package dev.graft.model;

import java.util.List;
import java.util.Map;
import org.tensorflow.proto.SignatureDef;
import org.tensorflow.proto.TensorInfo;

/**
 * A signature of a SavedModel: key, method and its inputs and outputs, ordered by key.
 *
 * @param key the signature key ({@code serving_default})
 * @param method the method name ({@code tensorflow/serving/predict})
 * @param inputs the inputs, ordered by key
 * @param outputs the outputs, ordered by key
 */
public record SignatureInfo(String key, String method, List<TensorSpec> inputs, List<TensorSpec> outputs) {

  static SignatureInfo of(String key, SignatureDef def) {
    return new SignatureInfo(key, def.getMethodName(), specs(def.getInputsMap()), specs(def.getOutputsMap()));
  }

  private static List<TensorSpec> specs(Map<String, TensorInfo> tensors) {
    return tensors.entrySet().stream().sorted(Map.Entry.comparingByKey())
        .map(e -> TensorSpec.of(e.getKey(), e.getValue())).toList();
  }

  /** The input with this key, or an error listing the keys. */
  public TensorSpec input(String name) {
    return inputs.stream().filter(t -> t.key().equals(name)).findFirst().orElseThrow(() ->
        new IllegalArgumentException("Signature '" + key + "' has no input '" + name + "'; inputs: "
            + inputs.stream().map(TensorSpec::key).toList()));
  }

  @Override
  public String toString() {
    return key + "[" + method + "](" + inputs + ") -> (" + outputs + ")";
  }
}
