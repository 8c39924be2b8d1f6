package dev.graft.graph;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.graft.model.LoadedModel;
import dev.graft.model.SavedModelDir;
import dev.graft.model.SignatureInfo;
import dev.graft.model.TensorSpec;
import dev.graft.testing.RandomInputs;
import dev.graft.testing.SharedModels;
import dev.graft.testing.Tensors;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Random;
import java.util.stream.Stream;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.Arguments;
import org.junit.jupiter.params.provider.MethodSource;
import org.tensorflow.Result;
import org.tensorflow.SavedModelBundle;
import org.tensorflow.Session;
import org.tensorflow.Tensor;

/** The flattened graph computes what the original signature computes, on every loadable model. */
class FlattenEquivalenceTest {

  static Stream<Arguments> signatures() {
    List<Arguments> cases = new ArrayList<>();
    for (String name : List.of("mlperf-tiny-kws-dscnn", "tfnet-mnist-mlp-functional", "tfjava-multisig-module",
        "text-seqtag-timedistributed-tf23", "tfx-penguin-tfexample-tf23", "tfnet-custom-layer-softmax-tf211")) {
      cases.add(Arguments.of("shared", name));
    }
    return cases.stream();
  }

  @ParameterizedTest(name = "{1}")
  @MethodSource("signatures")
  void flattenedOutputsEqualOriginal(String corpus, String name) {
    Path path = SharedModels.model(name);
    for (SignatureInfo sig : SavedModelDir.open(path, "serve").signatures()) {
      assertSignatureEquivalent(path, sig.key());
    }
  }

  static void assertSignatureEquivalent(Path path, String key) {
    try (LoadedModel flat = LoadedModel.load(path, new LoadedModel.LoadOptions("serve", key));
        SavedModelBundle original = SavedModelBundle.load(path.toString(), "serve")) {
      SignatureInfo sig = flat.signature();
      Random random = new Random(42);
      List<Tensor> inputs = new ArrayList<>();
      try {
        for (TensorSpec spec : sig.inputs()) {
          inputs.add(RandomInputs.of(spec, 3, random, flat.graph()));
        }
        try (Result expected = run(original.session(), sig, inputs);
            Result actual = run(flat.session(), sig, inputs)) {
          for (int i = 0; i < sig.outputs().size(); i++) {
            double diff = Tensors.maxAbsDiff(expected.get(i), actual.get(i));
            assertTrue(diff <= 1e-5, key + "/" + sig.outputs().get(i).key() + " differs by " + diff);
          }
          assertEquals(sig.outputs().size(), actual.size());
        }
      } finally {
        inputs.forEach(Tensor::close);
      }
    }
  }

  private static Result run(Session session, SignatureInfo sig, List<Tensor> inputs) {
    Session.Runner runner = session.runner();
    for (int i = 0; i < inputs.size(); i++) {
      runner.feed(sig.inputs().get(i).tensor(), inputs.get(i));
    }
    sig.outputs().forEach(o -> runner.fetch(o.tensor()));
    return runner.run();
  }
}
