package dev.graft.tools;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.graft.Graft;
import dev.graft.GraftModel;
import dev.graft.graph.CutPoint;
import dev.graft.graph.GraphIndex;
import dev.graft.graph.ReservedNames;
import dev.graft.head.CutChoice;
import dev.graft.head.HeadLocator;
import dev.graft.tools.Layers.Activation;
import java.nio.file.Path;
import java.util.List;
import java.util.Random;
import org.junit.jupiter.api.io.TempDir;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.EnumSource;
import org.junit.jupiter.params.provider.ValueSource;

/**
 * A model's own layers may be named like Graft's scopes ({@code graft_dense}): the old head is still found, and such
 * a layer can be cut at by name.
 */
class ReservedNameLayersTest {

  /** Flatten, Dense(16, relu) named graft_dense, Dense(5, softmax) named graft_predictions. */
  private static Path write(FixtureModel.Layout layout, Path dir) {
    FixtureModel model = new FixtureModel("graft_names", List.of(
        new Layers.Flatten("flatten", 28 * 28),
        new Layers.Dense("graft_dense", 28 * 28, 16, Activation.RELU),
        new Layers.Dense("graft_predictions", 16, 5, Activation.SOFTMAX)), 5, layout);
    Random random = new Random(3);
    List<Weight> weights = model.variables().stream()
        .map(v -> new Weight(v.name(), v.shape(), v.initialValue(random))).toList();
    Path target = dir.resolve(layout.name().toLowerCase());
    switch (layout) {
      case TF2_KERAS -> Tf2Export.write(model, weights, target);
      case TF1_GRAPH -> Tf1Export.write(model, weights, target);
    }
    return target;
  }

  @ParameterizedTest
  @EnumSource(FixtureModel.Layout.class)
  void cutsAtALayerNamedLikeAGraftScope(FixtureModel.Layout layout, @TempDir Path dir) {
    try (GraftModel model = Graft.load(write(layout, dir), CutChoice.layer("graft_dense"))) {
      CutPoint cut = model.cut();
      assertEquals("graft_dense", cut.layer(), cut.toString());
      assertEquals(16, cut.featureSize(), cut.toString());
      assertTrue(cut.features().contains("graft_dense/"), cut.features());
    }
  }

  @ParameterizedTest
  @EnumSource(FixtureModel.Layout.class)
  void findsTheOldHeadNamedLikeAGraftScope(FixtureModel.Layout layout, @TempDir Path dir) {
    try (GraftModel model = Graft.load(write(layout, dir), CutChoice.none())) {
      CutPoint cut = model.cut();
      assertEquals("graft_dense", cut.layer(), cut.toString());
      assertEquals(5, cut.numClasses(), cut.toString());
      assertEquals(2, cut.oldHeadVariables().size(), cut.oldHeadVariables().toString());
      assertTrue(cut.oldHeadVariables().stream().allMatch(v -> v.contains("graft_predictions/")),
          cut.oldHeadVariables().toString());
    }
  }

  /** The fallback that finds a layer's output from op names alone reads past consumers named like Graft's scopes. */
  @ParameterizedTest
  @EnumSource(FixtureModel.Layout.class)
  void findsALayerOutputByOpNamesPastSuchLayers(FixtureModel.Layout layout, @TempDir Path dir) {
    try (GraftModel model = Graft.load(write(layout, dir), CutChoice.none())) {
      GraphIndex index = new GraphIndex(model.model().flatGraph());
      assertEquals(model.cut().features(), HeadLocator.layerOutput(index, "graft_dense"));
    }
  }

  @ParameterizedTest
  @ValueSource(strings = {"graft_head", "graft_head/dense_0/MatMul", "graft_head_2/probabilities", "graft_vars/read_3",
      "graft_train/gradients/AddN", "graft_bn/training", "graft_features_12/cut_0/Mean"})
  void graftScopesAreReserved(String op) {
    assertTrue(ReservedNames.isReserved(op), op);
  }

  @ParameterizedTest
  @ValueSource(strings = {"graft_dense/MatMul", "graft", "graftless/Relu", "graft_head_x/MatMul", "graft_head_/a",
      "model/graft_head/MatMul", "dense/graft_read", "StatefulPartitionedCall/graft_train/Relu"})
  void modelNamesAreNotReserved(String op) {
    assertFalse(ReservedNames.isReserved(op), op);
  }
}
